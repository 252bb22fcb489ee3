namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>The collective models' error on one measured table, with constants fitted on every other GPU's tables.</summary>
public sealed record CommTableResult(string File, string Name, string Gpu, string Path, int Points, double MapePct, double InSampleMapePct);

/// <summary>Scores the collective models against measured tables, leaving each GPU's tables out of the fit in turn.</summary>
public static class CommValidation
{
    public static IReadOnlyList<CommTableResult> LeaveOneGpuOut(IReadOnlyList<CommTable> tables)
    {
        var all = CommCalibrationFit.Fit(tables);
        var byGpu = tables.Select(t => t.Gpu).Distinct().ToDictionary(g => g, g => CommCalibrationFit.Fit(tables.Where(t => t.Gpu != g)));
        return tables.Select(t => new CommTableResult(t.File, t.Name, t.Gpu, PathName(t.Path), t.Points.Count, t.MapePct(byGpu[t.Gpu]), t.MapePct(all))).ToArray();
    }

    public static string PathName(CommPath path) => path switch
    {
        CommPath.CustomGraph => "vllm-custom-graph",
        CommPath.CustomEager => "vllm-custom-eager",
        _ => "nccl",
    };
}
