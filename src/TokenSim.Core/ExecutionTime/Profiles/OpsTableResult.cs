namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>Operator-level accuracy of one measured table (or, pooled, of one file).</summary>
/// <param name="File">The table's file.</param>
/// <param name="Name">The table, e.g. <c>mlp.csv:attn_pre_proj</c>; for a file summary, the file name.</param>
/// <param name="Points">Measured grid points (repeats of one point averaged into one).</param>
/// <param name="Interior">Points that leave-one-out can predict without extrapolating (every interior point counts).</param>
/// <param name="LooMapePct">Mean absolute percentage error of the interpolation over the interior points, each left out in turn.</param>
/// <param name="LooMaxPct">The largest of those errors, in percent.</param>
/// <param name="RooflineMapePct">Mean absolute percentage error of the roofline over all points; null when there is no roofline.</param>
/// <param name="RooflineNote">Why there is no roofline figure, when there is none.</param>
/// <param name="GpuMapePct">Mean absolute percentage error of the operator-level GPU model over all points; null when not asked for or not possible.</param>
/// <param name="GpuNote">Why there is no GPU-model figure, or that the table's GPU was in the fit ("fit").</param>
public sealed record OpsTableResult(string File, string Name, int Points, int Interior, double LooMapePct, double LooMaxPct,
    double? RooflineMapePct, string? RooflineNote, double? GpuMapePct = null, string? GpuNote = null);
