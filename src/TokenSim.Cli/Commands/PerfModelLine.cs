using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;

namespace TokenSim.Cli.Commands;

/// <summary>The run header's line on where step times come from: the model, which operators were measured, and the collectives' source.</summary>
internal static class PerfModelLine
{
    public static string Of(IExecutionTimeModel model, ReplicaSpec spec)
    {
        bool collectives = spec.TensorParallel > 1 || spec.PipelineParallel > 1 || spec.DataParallel > 1 && spec.ExpertParallelSize > 1;
        var (sources, comm) = model switch
        {
            LayerProfileExecutionTimeModel l => (l.Sources, l.Communication),
            ProfileExecutionTimeModel p => (p.MoeFromRoofline ? "measured: every operator but the experts; roofline: experts (no moe.csv at this TP)" : "measured: every operator", p.Communication),
            RooflineExecutionTimeModel r => ((string?)null, r.Communication),
            _ => (null, null),
        };
        var parts = new List<string> { model.Name };
        if (sources is not null) parts.Add(sources);
        if (collectives && comm is not null) parts.Add($"collectives: {comm}");
        return $"perf model: {string.Join("; ", parts)}";
    }
}
