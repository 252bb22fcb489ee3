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
    private readonly List<RequestAccuracy> _completed = [];
    private readonly AccuracyTotals _evicted = new();

    public IEnumerable<RequestAccuracy> Records => _order.Select(r => r.Record);

    public ShadowRequest? Find(string requestId) => _byId.GetValueOrDefault(requestId);

    public ShadowRequest Get(string requestId) => _byId[requestId];

    /// <summary>The followed request the simulation knows as <paramref name="simId"/>, or null.</summary>
    public ShadowRequest? BySimId(long simId) => _bySimId.GetValueOrDefault(simId);

    public void Add(ShadowRequest r)
    {
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

    /// <summary>Reports <paramref name="record"/> with the next <see cref="TakeCompleted"/>: its observation is complete.</summary>
    public void Complete(RequestAccuracy record) => _completed.Add(record);

    public RequestAccuracy[] TakeCompleted()
    {
        var done = _completed.ToArray();
        _completed.Clear();
        return done;
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
    /// Evicts the oldest closed records beyond the bound, down to 15/16 of it so the work is amortised. Called only
    /// after predictions are frozen, so an evicted record is final.
    /// </summary>
    public void Evict()
    {
        if (_order.Count <= maxRecords) return;
        int excess = _order.Count - maxRecords + maxRecords / 16;
        _order.RemoveAll(r =>
        {
            if (excess == 0 || !r.Closed) return false;
            excess--;
            _evicted.Add(r.Record);
            _evicted.Evicted++;
            _byId.Remove(r.Record.RequestId);
            if (r.Live is { } live) _bySimId.Remove(live.Id);
            return true;
        });
    }
}
