using System.Text.Json;
using TokenSim.Core.Metrics.Json;
using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Planning.Json;

/// <summary>
/// The <c>tokensim plan --json</c> document of a plan with <c>autoscale:</c>: the cheapest policy meeting the SLOs
/// (null when none does) and every policy tried, cheapest first, each with its replica count over time.
/// </summary>
public sealed record AutoscalePlanJson(
    bool Found,
    string Deployment,
    string Scenario,
    PlanResultJson.SloJson Slo,
    AutoscalePlanJson.PolicyResultJson? Best,
    IReadOnlyList<AutoscalePlanJson.PolicyResultJson> Policies)
{
    public static void Write(Stream stream, AutoscalePlanJson document) =>
        JsonSerializer.Serialize(stream, document, PlanJsonContext.Default.AutoscalePlanJson);

    public static AutoscalePlanJson From(string deployment, string scenario, Slo slo, IReadOnlyList<AutoscaleResult> results)
    {
        var all = results.Select(PolicyResultJson.From).ToList();
        int best = results.ToList().FindIndex(r => r.MeetsSlo);
        return new(best >= 0, deployment, scenario, new PlanResultJson.SloJson(slo.TtftSeconds, slo.TpotSeconds, slo.Percentile, slo.Attainment, slo.Describe()),
            best >= 0 ? all[best] : null, all);
    }

    public sealed record PolicyJson(string Metric, double Up, double Down, int MinReplicas, int MaxReplicas, double IntervalS,
        double UpCooldownS, double DownCooldownS, double? StartupS);

    public sealed record PolicyResultJson(
        PolicyJson Policy, double GpuHours, double Cost, bool MeetsSlo, double? TtftAtPercentileS, double? TpotAtPercentileS,
        double Attainment, long Rejected, double EndS, IReadOnlyList<SimulationReportJson.ReplicaCountJson> Replicas)
    {
        public static PolicyResultJson From(AutoscaleResult r) => new(
            new PolicyJson(MetricName(r.Policy.Metric), r.Policy.Up, r.Policy.Down, r.Policy.MinReplicas, r.Policy.MaxReplicas, r.Policy.IntervalSeconds,
                r.Policy.UpCooldownSeconds, r.Policy.DownCooldownSeconds, r.Policy.StartupSeconds),
            r.GpuHours, r.Cost, r.MeetsSlo, Finite(r.TtftAtPercentile), Finite(r.TpotAtPercentile), r.Attainment, r.Rejected, r.EndSeconds,
            [.. r.Replicas.Select(p => new SimulationReportJson.ReplicaCountJson(p.Time, p.Serving, p.Provisioned))]);

        /// <summary>The names the scenario file uses.</summary>
        private static string MetricName(AutoscaleMetric m) => m switch
        {
            AutoscaleMetric.Kv => "kv",
            AutoscaleMetric.QueueDelay => "queue-delay",
            _ => "waiting",
        };

        /// <summary>A percentile no request reached is null, not NaN (which JSON lacks).</summary>
        private static double? Finite(double x) => double.IsFinite(x) ? x : null;
    }
}
