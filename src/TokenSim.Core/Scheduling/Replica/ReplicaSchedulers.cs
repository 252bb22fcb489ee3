using TokenSim.Core.Entities;
using TokenSim.Core.Plugins;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>Every replica scheduler by its CLI/config name.</summary>
public static class ReplicaSchedulers
{
    public static readonly PluginRegistry<IReplicaScheduler, ReplicaSpec> Registry = new("replica scheduler")
    {
        ["vllm-v1"] = _ => new VllmV1ReplicaScheduler(),
        ["vllm"] = _ => new VllmV1ReplicaScheduler(),
        ["vllm-v0"] = _ => new VllmV0ReplicaScheduler(),
        ["static"] = _ => new StaticReplicaScheduler(),
        ["orca"] = _ => new OrcaReplicaScheduler(),
        ["sarathi"] = _ => new SarathiReplicaScheduler(),
        ["priority"] = _ => new PriorityReplicaScheduler(),
        ["sjf"] = spec => new ShortestFirstReplicaScheduler(false, OutputLengthPredictor.Parse(spec.LengthPredictor)),
        ["srpt"] = spec => new ShortestFirstReplicaScheduler(true, OutputLengthPredictor.Parse(spec.LengthPredictor)),
    };
}
