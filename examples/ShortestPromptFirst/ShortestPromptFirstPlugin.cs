using TokenSim.Core.Plugins;
using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Simulation;

namespace ShortestPromptFirst;

/// <summary>
/// A complete TokenSim policy in one file. This scheduler keeps vLLM V1's continuous batching and chunked prefill
/// (it derives from <see cref="ChunkedPrefillReplicaScheduler"/>), but it admits the waiting request with the
/// shortest prompt first. It needs no output-length predictor, unlike SJF, because prompt lengths are known at
/// arrival. Long prompts can starve under sustained load, and that is the trade-off to explore.
/// </summary>
public sealed class ShortestPromptFirstScheduler : ChunkedPrefillReplicaScheduler
{
    public override string Name => "shortest-prompt-first";

    protected override int NextWaiting(ReplicaState replica)
    {
        var waiting = replica.Waiting;
        int best = 0;
        for (int i = 1; i < waiting.Count; i++)
            if (waiting[i].PromptTokens < waiting[best].PromptTokens) best = i;
        return best;
    }

    public override IReplicaScheduler Clone() => new ShortestPromptFirstScheduler();
}

/// <summary>Registers the scheduler under its CLI name when TokenSim loads this assembly.</summary>
public sealed class ShortestPromptFirstPlugin : ITokenSimPlugin
{
    public void Register() => ReplicaSchedulers.Registry["shortest-prompt-first"] = _ => new ShortestPromptFirstScheduler();
}
