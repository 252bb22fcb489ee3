using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Core.Workload;

namespace TokenSim.Planning;

/// <summary>
/// Searches an autoscaling policy's thresholds for one deployment (GPU, TP, scheduler): each policy is simulated over
/// the whole traffic with the scenario's timeline, priced by the GPU-hours it paid for, and checked against the SLOs
/// as a fixed fleet is (<see cref="CandidateEvaluator"/>). The answer is the cheapest policy that meets them.
/// </summary>
public static class AutoscalePlanner
{
    /// <summary>Every policy's result, cheapest first.</summary>
    public static IReadOnlyList<AutoscaleResult> Search(IReadOnlyList<KeyValuePair<string, string>> baseOptions, CandidateGroup deployment, double costPerGpuHour,
        Traffic traffic, Slo slo, AutoscaleSearch search, int? parallel = null, CancellationToken cancellation = default)
    {
        var policies = search.Policies().ToArray();
        var results = new AutoscaleResult[policies.Length];
        Parallel.For(0, policies.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel ?? Environment.ProcessorCount, CancellationToken = cancellation },
            i => results[i] = Evaluate(baseOptions, deployment, costPerGpuHour, traffic, slo, search.Scenario with { Autoscale = policies[i] }, cancellation));
        return [.. results.OrderBy(r => r.Cost).ThenBy(r => r.TtftAtPercentile)];
    }

    public static AutoscaleResult Evaluate(IReadOnlyList<KeyValuePair<string, string>> baseOptions, CandidateGroup deployment, double costPerGpuHour,
        Traffic traffic, Slo slo, Scenario scenario, CancellationToken cancellation = default)
    {
        var policy = scenario.Autoscale!;
        var settings = PlanProblem.SettingsFor(baseOptions, deployment.With(policy.MinReplicas));
        var (sim, _, _) = settings.Build(new WorkloadSpec.Built(new TraceWorkloadSource(traffic.Requests), traffic.Description, []), 0, scenario);
        var good = new SloCounter(slo.TtftSeconds, slo.TpotSeconds, null);
        sim.Observer = good;
        sim.Run(cancellation);
        var m = sim.Metrics;
        double ttftQ = m.Ttft.Count == 0 ? double.PositiveInfinity : m.Ttft.Quantile(slo.Percentile);
        double tpotQ = m.Tpot.Count == 0 ? 0 : m.Tpot.Quantile(slo.Percentile);
        double attainment = traffic.Requests.Length == 0 ? 0 : (double)good.Good / traffic.Requests.Length;
        bool meets = m.Rejected == 0 && m.Completed == traffic.Requests.Length && (slo.Attainment is { } a
            ? attainment >= a
            : (slo.TtftSeconds is not { } t || ttftQ <= t) && (slo.TpotSeconds is not { } p || tpotQ <= p));
        double gpuHours = sim.GpuHours ?? 0;
        return new AutoscaleResult(policy, gpuHours, gpuHours * costPerGpuHour, meets, ttftQ, tpotQ, attainment, m.Rejected, [.. sim.ReplicaCounts], m.LastFinish);
    }
}
