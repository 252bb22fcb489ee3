using System.Text.Json.Serialization;
using TokenSim.Contracts.V1;

namespace TokenSim.Cli.Commands.Json;

/// <summary>
/// The <c>forecast</c> section of <c>replay --json</c>: <c>forecast.{running,waiting,kv}.h{H}</c>, each horizon's
/// scores; a metric with no scored forecast (KV% unrecorded) is absent.
/// </summary>
internal sealed record ReplayForecastJson(
    long Issued,
    long Skipped,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SortedDictionary<string, ReplayForecastJson.CellJson>? Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SortedDictionary<string, ReplayForecastJson.CellJson>? Waiting,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SortedDictionary<string, ReplayForecastJson.CellJson>? Kv)
{
    /// <summary>One metric at one horizon: the expected value's MAE beside the naive one's, its bias, the p10–p90 interval's coverage and the mean pinball loss of p10, p50 and p90.</summary>
    public sealed record CellJson(long Points, double Mae, double NaiveMae, double Bias, [property: JsonPropertyName("coverage_80")] double Coverage80, double PinballLoss)
    {
        public static CellJson From(ForecastScore s) => new(s.Points, s.Mae, s.NaiveMae, s.Bias, s.Coverage80, s.PinballLoss);
    }

    public static ReplayForecastJson From(ForecastScores scores)
    {
        var scored = scores.Scores.Where(s => s.Points > 0).ToList();
        SortedDictionary<string, CellJson>? Of(string metric)
        {
            var cells = scored.Where(s => s.Metric == metric).OrderBy(s => s.HorizonS).ToList();
            // Keys sort as strings: h10 before h5; readers look them up by name.
            return cells.Count == 0 ? null : new SortedDictionary<string, CellJson>(cells.ToDictionary(s => ReplayForecastScores.HorizonKey(s.HorizonS), CellJson.From), StringComparer.Ordinal);
        }
        return new ReplayForecastJson(scores.Issued, scores.Skipped, Of("running"), Of("waiting"), Of("kv"));
    }
}
