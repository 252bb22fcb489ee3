using System.Text.Json.Serialization;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Cli.Commands.Json;

/// <summary>The <c>validate ops --json</c> document: percentages rounded to four places, as it always was.</summary>
internal sealed record OpsValidationJson(
    List<OpsValidationJson.TableJson> Tables,
    List<OpsValidationJson.TableJson> Files,
    List<OpsValidationJson.CommunicationJson> Communication,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OpsValidationJson.CommCalibrationJson? CommunicationCalibration)
{
    /// <summary>A table (or a file pooled); <c>roofline_mape_pct</c> is null, not absent, where there is no roofline;
    /// <c>gpu_mape_pct</c> and <c>gpu_note</c> only with <c>--perf-model gpu</c>.</summary>
    public sealed record TableJson(
        string File, string Name, int Points, int Interior, double LooMapePct, double LooMaxPct, double? RooflineMapePct,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RooflineNote,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? GpuMapePct,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? GpuNote)
    {
        public static TableJson From(OpsTableResult r) => new(r.File, r.Name, r.Points, r.Interior,
            Math.Round(r.LooMapePct, 4), Math.Round(r.LooMaxPct, 4), r.RooflineMapePct is { } x ? Math.Round(x, 4) : null, r.RooflineNote,
            r.GpuMapePct is { } g ? Math.Round(g, 4) : null, r.GpuNote);
    }

    public sealed record CommunicationJson(string File, string Name, string Gpu, string Path, int Points, double LeftOutMapePct, double InSampleMapePct)
    {
        public static CommunicationJson From(CommTableResult r) =>
            new(r.File, r.Name, r.Gpu, r.Path, r.Points, Math.Round(r.MapePct, 4), Math.Round(r.InSampleMapePct, 4));
    }

    public sealed record CommCalibrationJson(
        double NcclCallS, double NvlinkEfficiency, double PcieP2pEfficiency, double PcieShmEfficiency, double NetworkEfficiency,
        double CustomAllreduceFloorS, double CustomAllreduceNvlinkEfficiency)
    {
        public static CommCalibrationJson From(CommCalibration c) => new(c.NcclCallSeconds, c.NvLinkEfficiency, c.PcieP2pEfficiency,
            c.PcieShmEfficiency, c.NetworkEfficiency, c.CustomAllReduceFloorSeconds, c.CustomAllReduceNvLinkEfficiency);
    }

    public static OpsValidationJson From(IReadOnlyList<OpsTableResult> results, IReadOnlyList<CommTableResult> comm, CommCalibration? fitted) => new(
        [.. results.Select(TableJson.From)],
        [.. OpsValidation.ByFile(results).Select(TableJson.From)],
        [.. comm.Select(CommunicationJson.From)],
        fitted is null ? null : CommCalibrationJson.From(fitted));
}
