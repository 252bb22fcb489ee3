using System.CommandLine;
using System.Globalization;

namespace TokenSim.Cli.Commands;

/// <summary><c>tokensim simulate</c>: one offline run of a deployment against a workload.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var options = new SimulateOptions();
        var cmd = new Command("simulate", "Simulate a deployment against a workload and report TTFT, TPOT, ITL, E2E, throughput, preemptions and KV use.");
        options.AddTo(cmd, run: true);
        cmd.SetAction(parse =>
        {
            var s = options.Read(parse);
            s.CheckLimits();
            // Before the run, not after it: a run of minutes should not end unable to write its results.
            OutputPaths.CheckFile("--json", s.Json);
            OutputPaths.CheckFile("--requests-csv", s.RequestsCsv);
            OutputPaths.CheckFile("--timeseries-csv", s.TimeseriesCsv);
            OutputPaths.CheckFile("--trace", s.Trace);
            OutputPaths.CheckFolder("--plots", s.Plots);
            OutputPaths.CheckFile("--replicas-csv", s.ReplicasCsv);
            if (s.ReplicasCsv is not null && s.Scenario is null) throw new ArgumentException("--replicas-csv needs a --scenario: without one the replicas never change.");
            return SimulationRun.Execute(s);
        });
        return cmd;
    }
}
