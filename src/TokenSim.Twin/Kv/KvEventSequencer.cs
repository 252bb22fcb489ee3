using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Kv;

/// <summary>
/// Puts one publisher's batches in order and accounts for every sequence number. vLLM numbers a publisher's batches
/// from 0, so: the next number is applied; a jump leaves a gap, filled from the replay socket where it still holds
/// the batches and counted as lost where not; a number already passed is a duplicate, except 0, which means vLLM
/// restarted (the mirror is reset and numbering starts again). A first batch above 0 means the subscriber joined
/// late: what came before is asked of the replay socket too, and the rest counted as lost before the start.
/// A malformed batch is rejected with its reason and still uses up its number.
/// </summary>
/// <remarks>Not thread-safe: its subscriber thread drives it.</remarks>
public sealed class KvEventSequencer(KvSourceStats stats, Action<string>? log = null)
{
    public const string LostGap = KvLostReason.Gap;
    public const string LostBeforeStart = KvLostReason.BeforeStart;

    /// <summary>The next sequence number expected; null before the first batch.</summary>
    private long? _next;

    public KvSourceStats Stats => stats;
    public long? Next => _next;

    /// <summary>
    /// Takes a live batch. <paramref name="replay"/> (null without a replay socket) returns what the publisher still
    /// holds from a sequence number on. The batches to apply, in order, are added to <paramref name="output"/>.
    /// </summary>
    public void OnLive(long seq, ReadOnlyMemory<byte> payload, Func<long, IReadOnlyList<(long Seq, byte[] Payload)>>? replay, List<KvMirrorBatch> output)
    {
        bool restart = false;
        if (seq < 0)
        {
            Reject(KvRejectReason.Sequence, $"sequence number {seq} is negative", numbered: false);
            return;
        }
        if (_next is null)
        {
            if (seq > 0) Fill(0, seq, replay, LostBeforeStart, output);
            _next = 0;
        }
        else if (seq < _next)
        {
            if (seq != 0) { stats.CountDuplicate(); return; }
            restart = true;
            stats.CountRestart();
            log?.Invoke($"KV events: sequence went back to 0 after {_next - 1}: the publisher restarted; the mirror is reset.");
        }
        else if (seq > _next) Fill(_next.Value, seq, replay, LostGap, output);
        if (restart) _next = 0;
        stats.AddSequenceNumbers(seq + 1 - _next!.Value);
        _next = seq + 1;
        var batch = KvEventDecoder.Decode(seq, payload, out string reason, out string detail);
        if (batch is null)
        {
            Reject(reason, $"batch {seq}: {detail}", numbered: true);
            // A restart still resets the mirror, even when its first batch cannot be read.
            if (restart) output.Add(new KvMirrorBatch(seq, 0, [], Restart: true));
            return;
        }
        if (restart) batch = batch with { Restart = true };
        stats.CountApplied(batch, replayed: false);
        output.Add(batch);
    }

    /// <summary>A message that is not [topic, 8-byte seq, payload]: counted, and its number (unknown) cannot be placed.</summary>
    public void OnMalformedMessage(string reason, string detail) => Reject(reason, detail, numbered: false);

    private void Reject(string reason, string detail, bool numbered)
    {
        stats.CountRejected(reason, numbered);
        log?.Invoke($"KV events: rejected ({reason}): {detail}");
    }

    /// <summary>Fills [<paramref name="from"/>, <paramref name="to"/>) from the replay socket; counts the rest lost.</summary>
    private void Fill(long from, long to, Func<long, IReadOnlyList<(long Seq, byte[] Payload)>>? replay, string lostReason, List<KvMirrorBatch> output)
    {
        var got = new SortedDictionary<long, byte[]>();
        if (replay is not null)
            foreach (var (s, p) in replay(from))
                if (s >= from && s < to) got.TryAdd(s, p);
        foreach (var (s, p) in got)
        {
            var batch = KvEventDecoder.Decode(s, p, out string reason, out string detail);
            if (batch is null) { Reject(reason, $"replayed batch {s}: {detail}", numbered: true); continue; }
            stats.CountApplied(batch, replayed: true);
            output.Add(batch);
        }
        long lost = to - from - got.Count;
        stats.CountLost(lostReason, lost);
        if (lost > 0) log?.Invoke($"KV events: {lost} of batches {from}..{to - 1} are lost ({lostReason}); {got.Count} came from the replay socket.");
    }
}
