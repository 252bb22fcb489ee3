using System.Text.Json.Serialization;
using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands.Json;

/// <summary>
/// The <c>validate vllm-bench --json</c> document. When calibrating, every top-level figure is over the requests the
/// fit did not see, calibrated, as the contract has it; the uncalibrated ones stand beside them, and the
/// figures over every request under <c>all_requests</c>. Keys absent from a run are left out, not written null.
/// </summary>
internal sealed record BenchValidationJson(
    string Run,
    string PerfModel,
    int Requests,
    int KvBlocks,
    bool KvBlocksGiven,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ScoredRequests,
    ComparisonJson TtftS,
    ComparisonJson TpotS,
    ComparisonJson E2eS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BenchValidationJson.CalibrationJson? Calibration,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ComparisonsJson? Uncalibrated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ComparisonsJson? AllRequests,
    Dictionary<string, BenchValidationJson.SeriesJson> Series,
    long Preemptions,
    double PrefixCacheHitRate)
{
    /// <summary>The fitted terms and their standard errors (null where the fit could not size one).</summary>
    public sealed record CalibrationJson(double Fraction, int FittedOnRequests, double KernelScale, double PrefillStepS,
        double? KernelScaleStderr, double? PrefillStepStderrS, int Windows);

    public sealed record SeriesJson(int Points, double MeasuredMean, double SimulatedMean, double Mae);

    public static BenchValidationJson From(BenchValidation v, BenchCalibration? c)
    {
        var top = c is null ? ComparisonsJson.From(v.Ttft, v.Tpot, v.E2e) : ComparisonsJson.From(c.CalibratedTtft, c.CalibratedTpot, c.CalibratedE2e);
        return new BenchValidationJson(
            v.Run.Directory, v.PerfModel, v.Run.Requests.Count, v.Spec.NumGpuBlocks, v.Spec.Memory.BlocksGiven,
            c?.Scored, top.TtftS, top.TpotS, top.E2eS,
            c is null ? null : new CalibrationJson(c.Fraction, c.FittedOn, c.Correction.KernelScale, c.Correction.PrefillStepSeconds,
                Finite(c.Estimate.KernelScaleStdErr), Finite(c.Estimate.PrefillStepStdErr), c.Estimate.Windows),
            c is null ? null : ComparisonsJson.From(c.Ttft, c.Tpot, c.E2e),
            c is null ? null : ComparisonsJson.From(v.Ttft, v.Tpot, v.E2e),
            v.Series.ToDictionary(s => s.Name, s => new SeriesJson(s.Points, s.MeasuredMean, s.SimulatedMean, s.MeanAbsoluteError)),
            v.Report.Preemptions, v.Report.PrefixCacheHitRate);
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
