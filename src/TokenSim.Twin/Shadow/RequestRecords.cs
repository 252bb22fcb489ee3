using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The requests a shadow follows, by production id and by simulated id, in arrival order; the requests completed
/// since the grain last reported; and the accuracy of closed records evicted beyond <see cref="ShadowOptions.MaxRecords"/>.
/// </summary>
internal sealed class RequestRecords(int maxRecords)
{
    private readonly Dictionary<string, ShadowRequest> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ShadowRequest> _bySimId = [];
    private readonly List<ShadowRequest> _order = [];
    /// <summary>Completed records as they were at completion, with the request when its prediction was still pending.</summary>
    private readonly List<(RequestAccuracy Record, ShadowRequest? Request)> _completed = [];
    private readonly AccuracyTotals _evicted = new();

    public IEnumerable<RequestAccuracy> Records => _order.Select(r => r.Record);

    /// <summary>
    /// At most <paramref name="limit"/> kept records from ordinal <paramref name="from"/> on, and the ordinal after the
    /// last one returned, or null when none are left. Kept records are in ordinal order, so it is a binary search.
    /// </summary>
    public (RequestAccuracy[] Records, long? Next) Page(long from, int limit)
    {
        int lo = 0, hi = _order.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_order[mid].Ordinal < from) lo = mid + 1; else hi = mid;
        }
        int n = Math.Min(limit, _order.Count - lo);
        var page = new RequestAccuracy[n];
        for (int i = 0; i < n; i++) page[i] = _order[lo + i].Record;
        return (page, lo + n < _order.Count ? _order[lo + n].Ordinal : null);
    }

    public ShadowRequest? Find(string requestId) => _byId.GetValueOrDefault(requestId);

    public ShadowRequest Get(string requestId) => _byId[requestId];

    /// <summary>The followed request the simulation knows as <paramref name="simId"/>, or null.</summary>
    public ShadowRequest? BySimId(long simId) => _bySimId.GetValueOrDefault(simId);

    /// <summary>Requests ever added: the next one's <see cref="ShadowRequest.Ordinal"/>.</summary>
    private long _added;

    public void Add(ShadowRequest r)
    {
        r.Ordinal = _added++;
        _byId[r.Record.RequestId] = r;
        if (r.Live is { } live) _bySimId[live.Id] = r;
        _order.Add(r);
    }

    /// <summary>The request a span reports: its id as the span gives it, else without vLLM's <c>chatcmpl-</c> or <c>cmpl-</c>
    /// prefix (a gateway that set <c>X-Request-Id: X</c> knows the request as X, vLLM's span as <c>chatcmpl-X</c>).</summary>
    public ShadowRequest? FindSpanned(string id)
    {
        if (_byId.TryGetValue(id, out var r)) return r;
        foreach (var prefix in SpanIdPrefixes)
            if (id.StartsWith(prefix, StringComparison.Ordinal) && _byId.TryGetValue(id[prefix.Length..], out r)) return r;
        return null;
    }

    private static readonly string[] SpanIdPrefixes = ["chatcmpl-", "cmpl-"];

    /// <summary>
    /// Drops a closed request's live simulated counterpart, which the simulation no longer holds: nothing looks it up
    /// by simulated id any more (forks revise only the requests the simulation still holds), and a record kept for
    /// accuracy then holds only itself.
    /// </summary>
    public void Release(ShadowRequest r)
    {
        if (r.Live is not { } live) return;
        _bySimId.Remove(live.Id);
        r.DropLive();
    }

    /// <summary>Reports <paramref name="r"/>'s record as it is now with the next <see cref="TakeCompleted"/>: its observation is complete.</summary>
    public void Complete(ShadowRequest r) => _completed.Add((r.Record, r.PredictionPending ? r : null));

    /// <summary>
    /// The records completed since the last call whose predictions are frozen (with them); one whose prediction is
    /// still being run waits for a later call, so the metrics always compare a prediction with its observation.
    /// </summary>
    public RequestAccuracy[] TakeCompleted()
    {
        var done = new List<RequestAccuracy>(_completed.Count);
        int kept = 0;
        for (int i = 0; i < _completed.Count; i++)
        {
            var (record, request) = _completed[i];
            if (request is null) done.Add(record);
            else if (!request.PredictionPending)
                done.Add(record with
                {
                    PredictedTtftSeconds = request.Record.PredictedTtftSeconds, PredictedTpotSeconds = request.Record.PredictedTpotSeconds,
                    PredictedE2eSeconds = request.Record.PredictedE2eSeconds,
                });
            else _completed[kept++] = (record, request);
        }
        _completed.RemoveRange(kept, _completed.Count - kept);
        return [.. done];
    }

    /// <summary>Whether a completed record not yet taken waits for its prediction.</summary>
    public bool CompletionsAwaitPrediction => _completed.Exists(c => c.Request is { PredictionPending: true });

    /// <summary>Whether a completed record not yet taken waits in the open prediction group, whose run has not started.</summary>
    public bool CompletionsAwaitOpenGroup => _completed.Exists(c => c.Request is { InOpenGroup: true });

    /// <summary>Requests whose arrival's prediction is lost (a restored replica whose log ends before it was kept): they will get none.</summary>
    public void AbandonPendingPredictions()
    {
        foreach (var r in _order) r.PredictionPending = false;
    }

    /// <summary>Forgets the completions of a replayed log: they were reported (as metrics) when first applied.</summary>
    public void ForgetCompleted() => _completed.Clear();

    /// <summary>Accuracy over every closed request, evicted or kept.</summary>
    public AccuracyTotals Totals
    {
        get
        {
            var totals = _evicted.Copy();
            foreach (var r in _order)
                if (r.Closed) totals.Add(r.Record);
            return totals;
        }
    }

    /// <summary>
    /// Evicts the oldest closed records beyond the bound, down to 15/16 of it so the work is amortised. A record whose
    /// prediction is still pending is skipped, so an evicted record is final.
    /// </summary>
    public void Evict()
    {
        if (_order.Count <= maxRecords) return;
        int excess = _order.Count - maxRecords + maxRecords / 16;
        _order.RemoveAll(r =>
        {
            if (excess == 0 || !r.Closed || r.PredictionPending) return false;
            excess--;
            _evicted.Add(r.Record);
            _evicted.Evicted++;
            _byId.Remove(r.Record.RequestId);
            Release(r);
            return true;
        });
    }
}
