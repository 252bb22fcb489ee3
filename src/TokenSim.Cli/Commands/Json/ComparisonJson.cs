using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands.Json;

/// <summary>A latency metric measured against simulated, in the shape <c>validate vllm-bench</c> and <c>replay</c> share.</summary>
internal sealed record ComparisonJson(
    ComparisonJson.StatsJson Measured,
    ComparisonJson.StatsJson Simulated,
    ComparisonJson.StatsJson ErrorPct,
    double PerRequestMapePct,
    ComparisonJson.AbsErrorJson PerRequestAbsErrorPct)
{
    public sealed record StatsJson(double Mean, double P50, double P90, double P99)
    {
        public static StatsJson From(Stats s) => new(s.Mean, s.P50, s.P90, s.P99);
    }

    public sealed record AbsErrorJson(double P50, double P90);

    public static ComparisonJson From(MetricComparison m) => new(
        StatsJson.From(m.Measured), StatsJson.From(m.Simulated), StatsJson.From(m.ErrorPct),
        m.PerRequestMapePct, new AbsErrorJson(m.PerRequestAbsErrP50Pct, m.PerRequestAbsErrP90Pct));
}

/// <summary><c>ttft_s</c>, <c>tpot_s</c> and <c>e2e_s</c>, together.</summary>
internal sealed record ComparisonsJson(ComparisonJson TtftS, ComparisonJson TpotS, ComparisonJson E2eS)
{
    public static ComparisonsJson From(MetricComparison ttft, MetricComparison tpot, MetricComparison e2e) =>
        new(ComparisonJson.From(ttft), ComparisonJson.From(tpot), ComparisonJson.From(e2e));
}
