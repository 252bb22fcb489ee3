using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands.Json;

/// <summary>
/// A latency metric measured against simulated, in the shape <c>validate vllm-bench</c> and <c>replay</c> share; the
/// summaries are <see cref="Stats"/> as they are (mean, p50, p90, p99 in snake_case).
/// </summary>
internal sealed record ComparisonJson(
    Stats Measured,
    Stats Simulated,
    Stats ErrorPct,
    double PerRequestMapePct,
    ComparisonJson.AbsErrorJson PerRequestAbsErrorPct)
{
    public sealed record AbsErrorJson(double P50, double P90);

    public static ComparisonJson From(MetricComparison m) => new(
        m.Measured, m.Simulated, m.ErrorPct,
        m.PerRequestMapePct, new AbsErrorJson(m.PerRequestAbsErrP50Pct, m.PerRequestAbsErrP90Pct));
}

/// <summary><c>ttft_s</c>, <c>tpot_s</c> and <c>e2e_s</c>, together.</summary>
internal sealed record ComparisonsJson(ComparisonJson TtftS, ComparisonJson TpotS, ComparisonJson E2eS)
{
    public static ComparisonsJson From(MetricComparison ttft, MetricComparison tpot, MetricComparison e2e) =>
        new(ComparisonJson.From(ttft), ComparisonJson.From(tpot), ComparisonJson.From(e2e));
}
