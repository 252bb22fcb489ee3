using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Clones of the live simulation in which every followed, unfinished request is given an assumed output length: the
/// live one runs each request to max_tokens, since only production's finish says how long it really is.
/// </summary>
internal sealed class ShadowForks(Simulator live, RequestRecords records, FinishedOutputPredictor predictor)
{
    /// <summary>A clone in which each request produces a length drawn from the predictor given what it has produced.</summary>
    public Simulator Sampled(SimRandom random) =>
        CloneRevised((r, cap) => predictor.Sample(cap, r.Generated, random));

    /// <summary>As <see cref="Sampled(SimRandom)"/>, stepping at <paramref name="correction"/> on a model of its own, so
    /// that a forecast may run it on another thread while the live calibration moves on.</summary>
    public Simulator Sampled(SimRandom random, StepCorrection correction) =>
        CloneRevised((r, cap) => predictor.Sample(cap, r.Generated, random), () => OwnModels(correction));

    private Simulator OwnModels(StepCorrection correction) =>
        live.Clone(m => m is CorrectedExecutionTimeModel c ? new CorrectedExecutionTimeModel(c.Inner, correction) : m, metrics: false);

    /// <summary>A clone in which each request produces the predictor's expected length given what it has produced,
    /// and <paramref name="simId"/> <paramref name="predictedOutput"/>. It steps at <paramref name="correction"/> on a
    /// model of its own, so it may run on another thread while the live simulation's calibration moves on.</summary>
    public Simulator Expected(long simId, int predictedOutput, StepCorrection correction) =>
        CloneRevised((r, cap) => r.Id == simId ? predictedOutput : predictor.Predict(cap, r.Generated),
            () => OwnModels(correction));

    /// <param name="length">The output length of a followed request, given its cap (max_tokens within the context).</param>
    private Simulator CloneRevised(Func<Request, int, int> length, Func<Simulator>? cloner = null)
    {
        // Forks start with empty metrics: predictions and forecasts read requests and replicas, never the histograms.
        var clone = cloner is null ? live.Clone(m => m, metrics: false) : cloner();
        int maxLen = live.Options.Replica.MaxModelLen;
        foreach (var replica in clone.Replicas)
        {
            foreach (var r in replica.Running) Revise(r);
            for (int i = 0; i < replica.Waiting.Count; i++) Revise(replica.Waiting[i]);
            for (int i = 0; i < replica.Swapped.Count; i++) Revise(replica.Swapped[i]);
        }
        return clone;

        void Revise(Request r)
        {
            if (records.BySimId(r.Id) is not { } tracked) return;
            clone.ReviseOutputTokens(r, length(r, Math.Min(tracked.Record.MaxTokens, maxLen - r.PromptTokens)));
        }
    }
}
