using System.Globalization;
using Prometheus;

namespace TokenSim.Server.Metrics;

/// <summary>The gateway's own metrics (docs/metrics.md); the events it sends are counted with every other ingested event.</summary>
public sealed class GatewayMetrics
{
    public const string Requests = "tokensim_gateway_requests_total";
    public const string Untracked = "tokensim_gateway_untracked_requests_total";
    public const string FirstByte = "tokensim_gateway_first_byte_seconds";

    private readonly Counter _requests, _untracked;
    private readonly Histogram _firstByte;

    public GatewayMetrics(CollectorRegistry registry)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _requests = f.CreateCounter(Requests, "Completions forwarded by the gateway, by replica and response status code.", "deployment", "replica", "code");
        _untracked = f.CreateCounter(Untracked, "Completions forwarded but not (fully) reported to the twin, by reason (body, tokenize, arrival, event).", "deployment", "reason");
        _firstByte = f.CreateHistogram(FirstByte, "Arrival to the first response byte of a forwarded completion (a stream's first token).",
            new HistogramConfiguration { LabelNames = ["deployment"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 18) });
    }

    public void Forwarded(string deployment, int replica, int code) =>
        _requests.WithLabels(deployment, replica.ToString(CultureInfo.InvariantCulture), code.ToString(CultureInfo.InvariantCulture)).Inc();

    public void CountUntracked(string deployment, string reason) => _untracked.WithLabels(deployment, reason).Inc();

    public void ObserveFirstByte(string deployment, double seconds) => _firstByte.WithLabels(deployment).Observe(seconds);
}
