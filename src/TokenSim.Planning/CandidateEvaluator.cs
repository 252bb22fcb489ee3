using System.Diagnostics;
using TokenSim.Core.Energy;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Planning;

/// <summary>Simulates one candidate against the plan's traffic and checks it against the SLOs.</summary>
public static class CandidateEvaluator
{
    /// <param name="stopAtVerdict">
    /// Stop the simulation as soon as the candidate is certain to miss the SLOs (<see cref="SloVerdict"/>): the verdict
    /// is the whole run's, the figures only those of the requests finished by then (<see cref="CandidateResult.StopReason"/>).
    /// </param>
    public static CandidateResult Evaluate(IReadOnlyList<KeyValuePair<string, string>> baseOptions, Candidate candidate, double costPerHour,
        Traffic traffic, Slo slo, CancellationToken cancellation = default, string worker = "local", bool stopAtVerdict = false)
    {
        var wall = Stopwatch.StartNew();
        var settings = PlanProblem.SettingsFor(baseOptions, candidate);
        Simulator sim;
        try
        {
            (sim, _, _) = settings.Build(new WorkloadSpec.Built(TraceWorkloadSource.Over(traffic.Requests), traffic.Description, []));
        }
        catch (ArgumentException e)
        {
            // The configuration cannot run (weights do not fit at this TP, TP does not divide the heads): no metrics.
            return new CandidateResult { Candidate = candidate, CostPerHour = costPerHour, Error = e.Message, Worker = worker };
        }
        var verdict = new SloVerdict(slo, traffic.Requests.Length);
        var energy = EnergyMeter.For(sim, out _);
        sim.Observer = verdict;
        sim.StepMeter = energy;
        bool stopped = false;
        if (stopAtVerdict) stopped = sim.RunUntil(() => verdict.MissCertainAt(sim.Now), cancellation);
        else sim.Run(cancellation);
        cancellation.ThrowIfCancellationRequested();
        var report = SimulationReport.From(sim, wall.Elapsed.TotalSeconds, energy, null);
        var m = sim.Metrics;
        double ttftQ = m.Ttft.Count == 0 ? double.PositiveInfinity : m.Ttft.Quantile(slo.Percentile);
        double tpotQ = m.Tpot.Count == 0 ? 0 : m.Tpot.Quantile(slo.Percentile);
        double attainment = traffic.Requests.Length == 0 ? 0 : (double)verdict.Good / traffic.Requests.Length;
        bool meets = !stopped && report.Rejected == 0 && report.Requests == traffic.Requests.Length && (slo.Attainment is { } a
            ? attainment >= a
            : (slo.TtftSeconds is not { } t || ttftQ <= t) && (slo.TpotSeconds is not { } p || tpotQ <= p));
        return new CandidateResult
        {
            Candidate = candidate, CostPerHour = costPerHour, MeetsSlo = meets,
            TtftAtPercentile = ttftQ, TpotAtPercentile = tpotQ, Attainment = attainment,
            Ttft = report.Ttft, Tpot = report.Tpot, Requests = report.Requests, Rejected = report.Rejected,
            OutputTokensPerSecond = report.OutputTokensPerSecond, KvUsageMax = report.KvUsageMax, Preemptions = report.Preemptions,
            JoulesPerOutputToken = report.Energy?.JoulesPerOutputToken, AveragePowerWatts = report.Energy?.AveragePowerWatts,
            WallSeconds = wall.Elapsed.TotalSeconds, Worker = worker,
            StopReason = stopped ? verdict.CertainMiss : null, StoppedAtSeconds = stopped ? sim.Now : 0,
        };
    }
}
