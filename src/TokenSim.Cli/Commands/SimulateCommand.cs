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
            if (s.TimeseriesInterval <= 0) throw new ArgumentException($"--timeseries-interval must be positive (got {s.TimeseriesInterval.ToString(CultureInfo.InvariantCulture)}).");
            return SimulationRun.Execute(s);
        });
        return cmd;
    }
}
