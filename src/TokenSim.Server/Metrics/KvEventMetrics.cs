using System.Globalization;
using Prometheus;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Metrics;

/// <summary>
/// The KV-event sources' accounting as Prometheus metrics (docs/metrics.md): every sequence number of every replica's
/// publisher applied, replayed, rejected (by reason) or lost (by reason), duplicates, restarts, events by type, and
/// the mirror's size. Counters follow the subscribers' own counts at each scrape.
/// </summary>
public sealed class KvEventMetrics
{
    public const string Batches = "tokensim_kv_event_batches_total";
    public const string Rejected = "tokensim_kv_event_batches_rejected_total";
    public const string Lost = "tokensim_kv_event_batches_lost_total";
    public const string SequenceNumbers = "tokensim_kv_event_sequence_numbers_total";
    public const string Unaccounted = "tokensim_kv_event_sequence_unaccounted";
    public const string Restarts = "tokensim_kv_event_restarts_total";
    public const string Events = "tokensim_kv_events_total";
    public const string DeliveryFailures = "tokensim_kv_event_delivery_failures_total";
    public const string Delivered = "tokensim_kv_event_batches_delivered_total";
    public const string MirrorBlocks = "tokensim_kv_mirror_blocks";

    private readonly Counter _batches, _rejected, _lost, _seqs, _restarts, _events, _failures, _delivered;
    private readonly Gauge _unaccounted, _blocks;
    private readonly List<(string Deployment, string Replica, IKvSourceCounts Stats)> _sources = [];

    public KvEventMetrics(CollectorRegistry registry)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] labels = ["deployment", "replica"];
        _batches = f.CreateCounter(Batches, "KV-event batches applied to the mirror, by how they came (applied live, replayed to fill a gap) or duplicate (a repeat, dropped).", [.. labels, "outcome"]);
        _rejected = f.CreateCounter(Rejected, "KV-event messages rejected, by reason (frames, sequence, msgpack, layout, event).", [.. labels, "reason"]);
        _lost = f.CreateCounter(Lost, "KV-event sequence numbers lost, by reason (gap: not in the replay buffer; before_start: published before the first one seen).", [.. labels, "reason"]);
        _seqs = f.CreateCounter(SequenceNumbers, "KV-event sequence numbers the publisher used, over its restarts, as far as seen.", labels);
        _unaccounted = f.CreateGauge(Unaccounted, "Sequence numbers neither applied, replayed, rejected nor lost (0 unless something is wrong).", labels);
        _restarts = f.CreateCounter(Restarts, "Publisher restarts seen (the sequence went back to 0; the mirror was reset).", labels);
        _events = f.CreateCounter(Events, "KV events in applied batches, by type (BlockStored, BlockRemoved, AllBlocksCleared).", [.. labels, "type"]);
        _failures = f.CreateCounter(DeliveryFailures, "Decoded batches whose call to the replica's mirror failed (logged).", labels);
        _delivered = f.CreateCounter(Delivered, "Batches applied to the replica grain's mirror (after ordering and decoding).", labels);
        _blocks = f.CreateGauge(MirrorBlocks, "Distinct block hashes in a replica's mirror of its real prefix cache.", labels);
        registry.AddBeforeCollectCallback(Collect);
    }

    /// <summary>Exports one replica's subscriber's counts from now on.</summary>
    public void Track(string deployment, int replica, IKvSourceCounts stats)
    {
        lock (_sources) _sources.Add((deployment, replica.ToString(CultureInfo.InvariantCulture), stats));
    }

    public void SetMirror(string deployment, int replica, int blocks) =>
        _blocks.WithLabels(deployment, replica.ToString(CultureInfo.InvariantCulture)).Set(blocks);

    private void Collect()
    {
        lock (_sources)
            foreach (var (d, r, s) in _sources)
            {
                _batches.WithLabels(d, r, "applied").IncTo(s.Applied);
                _batches.WithLabels(d, r, "replayed").IncTo(s.Replayed);
                _batches.WithLabels(d, r, "duplicate").IncTo(s.Duplicate);
                foreach (var reason in KvRejectReason.All)
                    _rejected.WithLabels(d, r, reason).IncTo(s.RejectedByReason.TryGetValue(reason, out long n) ? n : 0);
                foreach (var reason in KvLostReason.All)
                    _lost.WithLabels(d, r, reason).IncTo(s.LostByReason.TryGetValue(reason, out long n) ? n : 0);
                _seqs.WithLabels(d, r).IncTo(s.SequenceNumbers);
                _unaccounted.WithLabels(d, r).Set(s.Unaccounted);
                _restarts.WithLabels(d, r).IncTo(s.Restarts);
                _events.WithLabels(d, r, "BlockStored").IncTo(s.EventsStored);
                _events.WithLabels(d, r, "BlockRemoved").IncTo(s.EventsRemoved);
                _events.WithLabels(d, r, "AllBlocksCleared").IncTo(s.EventsCleared);
                _failures.WithLabels(d, r).IncTo(s.DeliveryFailures);
                _delivered.WithLabels(d, r).IncTo(s.Delivered);
            }
    }
}
