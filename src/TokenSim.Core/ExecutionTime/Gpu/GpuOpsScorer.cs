using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// Scores the operator-level GPU model on a measured table for <c>validate ops --perf-model gpu</c>: compute
/// tables through the same operator mapping as the roofline (<see cref="OperatorRoofline"/> with
/// <see cref="GpuKernels"/>), collective tables through the communication models (<see cref="CommTable.Predict"/>).
/// Tables of <paramref name="fitGpu"/> were seen by the fit and are marked so.
/// </summary>
/// <param name="parameters">The fitted constants.</param>
/// <param name="communication">The collective models' constants (fitted on the same GPU's tables when given).</param>
/// <param name="hardware">The GPU the tables were measured on, when the user names it; else inferred from each path.</param>
/// <param name="model">The model, when the user names it; else inferred from each path.</param>
/// <param name="fitGpu">The catalog name of the GPU the constants were fitted on, or null.</param>
public sealed class GpuOpsScorer(GpuModelParameters parameters, CommCalibration communication, HardwareSpec? hardware = null, ModelSpec? model = null, string? fitGpu = null)
{
    public GpuModelParameters Parameters => parameters;

    /// <summary>The model's MAPE on every point of <paramref name="table"/>, or null with the reason in <paramref name="note"/>.</summary>
    public double? MapePct(IOperatorProfile profile, ProfileTable table, out string? note)
    {
        string? named = null;
        var hw = hardware ?? ProfileReader.InferHardware(profile.Source, out named);
        note = hw is not null && hw.Name == fitGpu ? "fit" : null;
        if (CommTables.From(profile).FirstOrDefault(c => c.File == table.File && c.Name == table.Name) is { } comm)
            return comm.MapePct(communication);
        if (hw?.Microarchitecture is null)
        {
            note = hw is null ? $"GPU '{named ?? "?"}' is not in the catalog" : $"GPU '{hw.Name}' has no microarchitecture block";
            return null;
        }
        var m = model ?? ProfileReader.InferModel(profile.Source);
        var ops = new OperatorRoofline(hw, hw.Name, m, kernels: (h, dtype) => new GpuKernels(h, dtype, parameters));
        var predict = ops.For(profile, table, out string reason);
        if (predict is null) { note = reason; return null; }
        double sum = 0;
        foreach (var (key, measured) in table.Interpolator.Points) sum += Math.Abs(predict(key) - measured) / measured * 100;
        return sum / table.Interpolator.Points.Count;
    }
}
