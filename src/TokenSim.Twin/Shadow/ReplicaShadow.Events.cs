using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Shadow;

/// <summary>Keeping the simulation in step with production: what each applied event does to it and to the records.</summary>
public sealed partial class ReplicaShadow
{
    /// <param name="at">The event's time on the simulation's clock.</param>
    /// <param name="t">The time it is applied at: <paramref name="at"/>, or the clock when that is later.</param>
    private void Arrive(RequestArrived e, double at, double t)
    {
        var spec = _sim.Options.Replica;
        // The live simulation runs a request until production says it finished (or to max_tokens): its true length
        // is unknown, and a finish event ends it (see Finish). Predictions assume the predictor's length instead.
        int liveOutput = Math.Min(e.MaxTokens, spec.MaxModelLen - e.PromptTokens);
        int[]? ids = e.PromptTokenIds;
        int? realHit = null;
        if (ids is not null && Mirror is { Live: true } mirror)
            realHit = mirror.CachedLeadingBlocks(ids, spec.BlockSize, OriginUnixSeconds + at) * spec.BlockSize;
        var live = _sim.Submit(new RequestSpec(t, e.PromptTokens, liveOutput, PrefixHashes: FoldHashes(e.PrefixBlockHashes), TokenIds: ids, ExternalCachedTokens: realHit));
        _sim.AdvanceTo(t);
        _predictions.BeforeArrival(t);
        int predictedOutput = Predictor.Predict(liveOutput);
        var tracked = new ShadowRequest(new RequestAccuracy
        {
            Replica = Replica, RequestId = e.RequestId, PromptTokens = e.PromptTokens, MaxTokens = e.MaxTokens,
            ArrivalSeconds = at, PredictedOutputTokens = predictedOutput, RealCachedPromptTokens = realHit,
        }, live) { FrontendArrival = e.FrontendArrival };
        _records.Add(tracked);
        _predictions.Observe(t, e.PromptTokens, liveOutput);
        // Its prefix hit, once the live simulation admitted it: the mirrored real cache's, or the simulated cache's.
        _forecasts.ObserveArrival(t, e.PromptTokens, e.MaxTokens, live);
        // A replayed arrival waits for the prediction its log holds, maybe in a later entry (it was made after the ack).
        if (_restoring) tracked.PredictionPending = true;
        else _predictions.Add(tracked, live, t, predictedOutput);
    }

    private void FirstToken(FirstTokenProduced e, double at)
    {
        var r = _records.Get(e.RequestId);
        r.FirstTokenSeconds = at;
        r.Record = r.Record with { ObservedTtftSeconds = at - r.Record.ArrivalSeconds };
    }

    private void Finish(RequestFinished e, double at)
    {
        var r = _records.Get(e.RequestId);
        int n = e.OutputTokens;
        r.FinishSeen = true;
        if (r.Closed)
        {
            // Its span closed it first: the span's engine-side figures stand, the finish fills what it lacked.
            r.Record = r.Record with { ObservedE2eSeconds = r.Record.ObservedE2eSeconds ?? at - r.Record.ArrivalSeconds };
            return;
        }
        Close(r, n, e2e: at - r.Record.ArrivalSeconds,
            tpot: n > 1 && r.FirstTokenSeconds is { } first ? (at - first) / (n - 1) : null,
            decode: r.FirstTokenSeconds is { } f ? (f, at) : null);
    }

    /// <summary>
    /// Closes a request the live simulation runs, with production's outcome: the predictor and the calibration learn
    /// from it, and the simulation drops it, since production is done with it and it must not keep its slot and blocks.
    /// </summary>
    /// <param name="decode">Production's first and last token times on the simulation's clock, where known.</param>
    private void Close(ShadowRequest r, int outputTokens, double e2e, double? tpot, (double First, double Last)? decode)
    {
        Predictor.Observe(outputTokens, r.Record.MaxTokens);
        r.Closed = true;
        r.Record = r.Record with { ObservedOutputTokens = outputTokens, ObservedE2eSeconds = e2e, ObservedTpotSeconds = tpot };
        _forecasts.ObserveClosed(r);
        if (decode is var (first, last)) _calibration.Learn(r, first, last, outputTokens);
        _sim.Abort(r.Live!);
        _records.Release(r);
        _records.Complete(r);
    }

    private void Abort(RequestAborted e)
    {
        var r = _records.Get(e.RequestId);
        r.Closed = true;
        r.Record = r.Record with { Aborted = true };
        _sim.Abort(r.Live!);
        _records.Release(r);
    }

    private void Snapshot(EngineSnapshotTaken e)
    {
        _snapshots.Add(e, _sim.Replicas[0]);
        // An activation replaying its log does not re-score: that would cost a forecast per second of history.
        if (!_restoring) _forecasts.OnSnapshot(e);
    }

    /// <summary>
    /// A request's span. A request the twin saw arrive is finished by it if production's finish has not come yet
    /// (observed output, E2E and TPOT from the span; calibration; the simulation drops it), and gains the engine-side
    /// phases either way; observations already made (a gateway's first token and finish) are kept. A request the
    /// twin never saw arrive is recorded as observed, without a prediction: it ran before the twin knew of it, so its
    /// prediction cannot be frozen at its arrival, and the simulation never held it, so there is nothing to drop.
    /// </summary>
    private void Observed(RequestObserved e, double at)
    {
        double e2e = e.E2eSeconds!.Value;
        int n = e.OutputTokens;
        double? tpot = n > 1 && e.DecodeSeconds is { } decode ? decode / (n - 1) : null;
        if (_records.FindSpanned(e.RequestId) is not { } r)
        {
            var record = new RequestAccuracy
            {
                Replica = Replica, RequestId = e.RequestId, PromptTokens = e.PromptTokens, MaxTokens = e.MaxTokens,
                ArrivalSeconds = at - e2e, PredictedOutputTokens = 0, ArrivalObserved = false, Spans = 1,
                ObservedOutputTokens = n, ObservedTtftSeconds = e.TtftSeconds, ObservedTpotSeconds = tpot, ObservedE2eSeconds = e2e,
                ObservedQueueSeconds = e.QueueSeconds, ObservedPrefillSeconds = e.PrefillSeconds, ObservedDecodeSeconds = e.DecodeSeconds,
            };
            var spanned = new ShadowRequest(record, null) { Closed = true };
            _records.Add(spanned);
            if (e.MaxTokens > 0) Predictor.Observe(n, e.MaxTokens);
            _records.Complete(spanned);
            return;
        }
        r.Record = r.Record with
        {
            Spans = r.Record.Spans + 1,
            ObservedQueueSeconds = e.QueueSeconds, ObservedPrefillSeconds = e.PrefillSeconds, ObservedDecodeSeconds = e.DecodeSeconds,
            ObservedTtftSeconds = r.Record.ObservedTtftSeconds ?? e.TtftSeconds,
        };
        double end = r.Record.ArrivalSeconds + e2e;
        if (!r.Closed) Close(r, n, e2e, tpot, e.DecodeSeconds is { } d ? (end - d, end) : null);
    }

    /// <summary>The contract's 64-bit block hashes folded to the simulator's 32-bit ones (collisions are as rare as 2^-32).</summary>
    private static int[]? FoldHashes(long[]? hashes) => hashes is null || hashes.Length == 0 ? null
        : Array.ConvertAll(hashes, h => unchecked((int)(h ^ (h >> 32))));
}
