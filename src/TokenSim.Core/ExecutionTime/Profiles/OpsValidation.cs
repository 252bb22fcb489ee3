namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// Operator-level validation of the profile model: for every table, each interior grid point is left out in turn
/// and predicted from the rest by the interpolation the simulator uses (<see cref="GridInterpolator.LeaveOneOut"/>);
/// no interior point is dropped. The roofline is scored against every measured point of the same tables.
/// </summary>
public static class OpsValidation
{
    /// <summary>One result per table of <paramref name="profile"/>, in the profile's order.</summary>
    /// <param name="gpu">The operator-level GPU model's scorer (<c>--perf-model gpu</c>); no GPU column when null.</param>
    public static IReadOnlyList<OpsTableResult> Validate(IOperatorProfile profile, OperatorRoofline? roofline, Gpu.GpuOpsScorer? gpu = null)
    {
        var results = new List<OpsTableResult>();
        foreach (var table in profile.Tables)
        {
            int interior = 0;
            double sum = 0, max = 0;
            foreach (var (_, measured, predicted) in table.Interpolator.LeaveOneOut())
            {
                double e = Math.Abs(predicted - measured) / measured * 100;
                sum += e;
                max = Math.Max(max, e);
                interior++;
            }
            double? rooflineMape = null;
            string? note = null;
            var predict = roofline is null ? null : roofline.For(profile, table, out note);
            if (roofline is null) note = "no roofline";
            if (predict is not null)
            {
                double rs = 0;
                foreach (var (key, measured) in table.Interpolator.Points) rs += Math.Abs(predict(key) - measured) / measured * 100;
                rooflineMape = rs / table.Interpolator.Points.Count;
                note = null;
            }
            string? gpuNote = null;
            double? gpuMape = gpu?.MapePct(profile, table, out gpuNote);
            results.Add(new OpsTableResult(table.File, table.Name, table.Interpolator.Points.Count, interior,
                interior > 0 ? sum / interior : 0, max, rooflineMape, note, gpuMape, gpuNote));
        }
        return results;
    }

    /// <summary>
    /// Pools the tables of each file into one result: every interior point of every table in the file weighs the
    /// same in the LOO MAPE, and every point with a roofline in the roofline MAPE.
    /// </summary>
    public static IReadOnlyList<OpsTableResult> ByFile(IEnumerable<OpsTableResult> tables) =>
        tables.GroupBy(t => t.File).Select(g =>
        {
            int interior = g.Sum(t => t.Interior);
            var withRoofline = g.Where(t => t.RooflineMapePct is not null).ToList();
            int rooflinePoints = withRoofline.Sum(t => t.Points);
            var withGpu = g.Where(t => t.GpuMapePct is not null).ToList();
            int gpuPoints = withGpu.Sum(t => t.Points);
            return new OpsTableResult(g.Key, Path.GetFileName(g.Key), g.Sum(t => t.Points), interior,
                interior > 0 ? g.Sum(t => t.LooMapePct * t.Interior) / interior : 0, g.Max(t => t.LooMaxPct),
                rooflinePoints > 0 ? withRoofline.Sum(t => t.RooflineMapePct!.Value * t.Points) / rooflinePoints : null,
                rooflinePoints > 0 ? null : g.First().RooflineNote,
                gpuPoints > 0 ? withGpu.Sum(t => t.GpuMapePct!.Value * t.Points) / gpuPoints : null,
                gpuPoints > 0 ? withGpu.First().GpuNote : g.First().GpuNote);
        }).ToList();
}
