using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;

namespace TokenSim.Cli.Commands;

/// <summary>The run header's line on where step times come from: the model, which operators were measured, and the collectives' source.</summary>
internal static class PerfModelLine
{
    public static string Of(IExecutionTimeModel model, ReplicaSpec spec)
    {
        bool collectives = spec.TensorParallel > 1 || spec.PipelineParallel > 1 || spec.DataParallel > 1 && spec.ExpertParallelSize > 1;
        string? sources = model switch
        {
            LayerProfileExecutionTimeModel l => l.Sources,
            ProfileExecutionTimeModel p => p.MoeFromRoofline ? "measured: every operator but the experts; roofline: experts (no moe.csv at this TP)" : "measured: every operator",
            _ => null,
        };
        var parts = new List<string> { model.Name };
        if (sources is not null) parts.Add(sources);
        // Asked only when shown: naming the collectives' source looks for measured collective tables (tens of ms).
        string? comm = !collectives ? null : model switch
        {
            LayerProfileExecutionTimeModel l => l.Communication,
            ProfileExecutionTimeModel p => p.Communication,
            RooflineExecutionTimeModel r => r.Communication,
            _ => null,
        };
        if (comm is not null) parts.Add($"collectives: {comm}");
        return $"perf model: {string.Join("; ", parts)}";
    }
}
