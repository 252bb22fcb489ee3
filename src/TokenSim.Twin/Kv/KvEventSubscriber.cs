using System.Buffers.Binary;
using System.Threading.Channels;
using NetMQ;
using NetMQ.Sockets;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Kv;

/// <summary>
/// A ZMQ SUB socket on one replica's KV-event publisher, on a thread of its own: each message is checked, put in
/// order and decoded (<see cref="KvEventSequencer"/>), and the batches go to <paramref name="deliver"/> (the replica's
/// mirror) from a second loop, as many as have queued in one call, so a slow mirror never stalls the socket.
/// </summary>
public sealed class KvEventSubscriber : IKvEventSubscription
{
    private readonly KvSourceOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<KvMirrorBatch[], Task> _deliver;
    private readonly Action<string> _log;
    private readonly KvEventSequencer _sequencer;
    private readonly Channel<KvMirrorBatch> _queue = Channel.CreateUnbounded<KvMirrorBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Thread _thread;
    private readonly Task _pump;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    public KvEventSubscriber(KvSourceOptions options, Func<KvMirrorBatch[], Task> deliver, Action<string> log, KvSourceStats? stats = null, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _deliver = deliver;
        _log = log;
        Stats = stats ?? new KvSourceStats();
        _sequencer = new KvEventSequencer(Stats, log);
        _thread = new Thread(Run) { IsBackground = true, Name = $"tokensim-kv-sub {options.Endpoint}" };
        _thread.Start();
        _pump = Task.Run(PumpAsync);
    }

    public KvSourceStats Stats { get; }
    IKvSourceCounts IKvEventSubscription.Counts => Stats;
    /// <summary>Completes when the socket is bound or connected; faults when it cannot be.</summary>
    public Task Started => _started.Task;

    private void Run()
    {
        SubscriberSocket? sub = null;
        DealerSocket? replay = null;
        try
        {
            sub = new SubscriberSocket();
            sub.Options.ReceiveHighWatermark = 0; // unbounded: vLLM's PUB side has its own high-water mark
            sub.Options.Linger = TimeSpan.Zero;
            if (_options.Bind) sub.Bind(_options.Endpoint);
            else sub.Connect(_options.Endpoint);
            sub.Subscribe(System.Text.Encoding.UTF8.GetBytes(_options.Topic));
            if (_options.ReplayEndpoint is { } r)
            {
                replay = new DealerSocket();
                replay.Options.Linger = TimeSpan.Zero;
                replay.Connect(r);
            }
        }
        catch (Exception e) when (e is NetMQException or ArgumentException)
        {
            sub?.Dispose();
            replay?.Dispose();
            _started.TrySetException(new ArgumentException($"KV events: cannot {(_options.Bind ? "bind" : "connect")} {_options.Endpoint}: {e.Message}", e));
            _queue.Writer.TryComplete();
            return;
        }
        _started.TrySetResult();
        var output = new List<KvMirrorBatch>();
        Func<long, IReadOnlyList<(long, byte[])>>? replayFn = replay is null ? null : from => Replay(replay, from);
        NetMQMessage? msg = null;
        try
        {
            while (!_stopping)
            {
                if (!sub.TryReceiveMultipartMessage(TimeSpan.FromMilliseconds(50), ref msg)) continue;
                if (msg.FrameCount != 3)
                {
                    _sequencer.OnMalformedMessage(KvRejectReason.Frames, $"a message of {msg.FrameCount} frames (expected topic, sequence, payload)");
                    continue;
                }
                if (msg[1].BufferSize != 8)
                {
                    _sequencer.OnMalformedMessage(KvRejectReason.Sequence, $"a sequence frame of {msg[1].BufferSize} bytes (expected 8, big-endian)");
                    continue;
                }
                long seq = BinaryPrimitives.ReadInt64BigEndian(msg[1].Buffer.AsSpan(0, 8));
                output.Clear();
                _sequencer.OnLive(seq, msg[2].ToByteArray(), replayFn, output);
                foreach (var b in output) _queue.Writer.TryWrite(b);
            }
        }
        finally
        {
            _queue.Writer.TryComplete();
            sub.Dispose();
            replay?.Dispose();
        }
    }

    /// <summary>Asks the ROUTER for every batch from <paramref name="from"/> on: [empty, start]; replies [empty, seq, payload] until seq −1.</summary>
    private IReadOnlyList<(long, byte[])> Replay(DealerSocket replay, long from)
    {
        var got = new List<(long, byte[])>();
        var start = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(start, from);
        replay.SendMoreFrameEmpty().SendFrame(start);
        var deadline = _time.GetUtcNow() + _options.ReplayTimeout;
        NetMQMessage? m = null;
        while (_time.GetUtcNow() < deadline)
        {
            if (!replay.TryReceiveMultipartMessage(deadline - _time.GetUtcNow(), ref m)) break;
            // A DEALER gets the ROUTER's empty delimiter back in front of each reply.
            int first = m.FrameCount == 3 && m[0].BufferSize == 0 ? 1 : 0;
            if (m.FrameCount - first != 2 || m[first].BufferSize != 8)
            {
                _log($"KV events: ignoring a replay reply of {m.FrameCount} frames from {_options.ReplayEndpoint}.");
                continue;
            }
            long seq = BinaryPrimitives.ReadInt64BigEndian(m[first].Buffer.AsSpan(0, 8));
            if (seq == -1) return got;
            got.Add((seq, m[first + 1].ToByteArray()));
        }
        _log($"KV events: the replay from {from} at {_options.ReplayEndpoint} did not finish within {_options.ReplayTimeout.TotalSeconds:G} s; using the {got.Count} batches it sent.");
        return got;
    }

    private async Task PumpAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<KvMirrorBatch>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatchesPerDelivery && reader.TryRead(out var b)) batch.Add(b);
            try
            {
                await _deliver([.. batch]).ConfigureAwait(false);
                Stats.CountDelivered(batch.Count);
            }
            catch (Exception e)
            {
                Stats.CountDeliveryFailure(batch.Count);
                _log($"KV events: {batch.Count} batches (seq {batch[0].Seq}..{batch[^1].Seq}) could not be applied to the mirror: {e.Message}");
            }
        }
    }

    /// <summary>Batches decoded but not yet handed to the mirror.</summary>
    public int Queued => _queue.Reader.Count;

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        await _pump.ConfigureAwait(false);
    }
}
