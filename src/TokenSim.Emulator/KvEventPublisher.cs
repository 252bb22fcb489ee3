using System.Buffers.Binary;
using System.Collections.Concurrent;
using NetMQ;
using NetMQ.Sockets;

namespace TokenSim.Emulator;

/// <summary>
/// vLLM's <c>ZmqEventPublisher</c> for one data-parallel rank (one replica). Each step's events become one
/// <c>KVEventBatch</c>, sent on a PUB socket as three frames (topic, sequence number as 8 bytes big-endian from 0,
/// msgpack payload) and kept, the last <c>buffer_steps</c> of them, for the replay ROUTER socket. The engine thread
/// only enqueues: a dedicated thread owns the sockets, holds each batch until the wall-clock moment its step ends,
/// and answers replay requests in between, so a slow or absent subscriber never delays a token.
/// </summary>
public sealed class KvEventPublisher : IDisposable
{
    private static readonly byte[] EndOfReplay = BitConverter.GetBytes(-1L); // all bytes 0xFF: −1 in any byte order

    private readonly KvEventsConfig _config;
    private readonly int _rank;
    private readonly byte[] _topic;
    private readonly PublisherSocket _pub;
    private readonly RouterSocket? _replay;
    private readonly BlockingCollection<(long Due, KvEvent[] Events)> _queue;
    private readonly Queue<(long Seq, byte[] Payload)> _buffer = new();
    private readonly Thread _thread;
    private readonly TimeProvider _time;
    private long _seq;
    private long _dropped;
    private volatile bool _stopping;

    /// <param name="time">The clock of the due timestamps (the engine's) and of each batch's stamp.</param>
    public KvEventPublisher(KvEventsConfig config, int dataParallelRank, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _config = config;
        _rank = dataParallelRank;
        _topic = System.Text.Encoding.UTF8.GetBytes(config.Topic);
        _queue = new BlockingCollection<(long, KvEvent[])>(config.MaxQueueSize);
        Endpoint = KvEventsConfig.ForRank(config.Endpoint, dataParallelRank);
        ReplayEndpoint = config.ReplayEndpoint is { } r ? KvEventsConfig.ForRank(r, dataParallelRank) : null;
        _pub = new PublisherSocket();
        _pub.Options.SendHighWatermark = config.Hwm;
        _pub.Options.Linger = TimeSpan.Zero;
        try
        {
            if (KvEventsConfig.Binds(Endpoint)) _pub.Bind(Endpoint);
            else _pub.Connect(Endpoint);
            if (ReplayEndpoint is not null)
            {
                _replay = new RouterSocket();
                _replay.Options.Linger = TimeSpan.Zero;
                _replay.Bind(ReplayEndpoint);
            }
        }
        catch (Exception e) when (e is NetMQException or ArgumentException)
        {
            _pub.Dispose();
            _replay?.Dispose();
            throw new ArgumentException($"--kv-events-config: cannot open {(_replay is null ? "endpoint " + Endpoint : "replay_endpoint " + ReplayEndpoint)} for replica {dataParallelRank}: {e.Message}", e);
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"tokensim-kv-events-{dataParallelRank}" };
        _thread.Start();
    }

    /// <summary>The PUB endpoint of this rank (the configured one, its port moved up by the rank).</summary>
    public string Endpoint { get; }
    public string? ReplayEndpoint { get; }
    /// <summary>Batches sent so far (the next sequence number).</summary>
    public long Published => Interlocked.Read(ref _seq);

    /// <summary>
    /// Queues a step's events for the moment <paramref name="dueTimestamp"/> (a timestamp of the engine's <see cref="TimeProvider"/>).
    /// Never blocks: past <c>max_queue_size</c> waiting batches the batch is dropped, with a warning.
    /// </summary>
    public void Enqueue(long dueTimestamp, KvEvent[] events)
    {
        if (_stopping || _queue.TryAdd((dueTimestamp, events))) return;
        if (Interlocked.Increment(ref _dropped) == 1)
            Console.Error.WriteLine($"warning: KV events of replica {_rank}: queue full ({_config.MaxQueueSize} batches), dropping batches.");
    }

    private void Run()
    {
        (long Due, KvEvent[] Events)? head = null;
        while (true)
        {
            ServeReplay();
            if (head is null)
            {
                if (_queue.TryTake(out var next, 5)) head = next;
                else if (_queue.IsCompleted) break;
                else continue;
            }
            long wait = head.Value.Due - _time.GetTimestamp();
            if (wait > 0 && !_stopping)
            {
                Thread.Sleep(TimeSpan.FromSeconds(Math.Min(0.005, (double)wait / _time.TimestampFrequency)));
                continue;
            }
            Send(head.Value.Events);
            head = null;
        }
    }

    private void Send(KvEvent[] events)
    {
        double ts = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds; // time.time(), as vLLM stamps a batch
        byte[] payload = KvEventEncoder.Encode(ts, events, _rank, _config.Format);
        long seq = _seq;
        var seqBytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(seqBytes, seq);
        _pub.SendMoreFrame(_topic).SendMoreFrame(seqBytes).SendFrame(payload);
        _buffer.Enqueue((seq, payload));
        if (_buffer.Count > _config.BufferSteps) _buffer.Dequeue();
        Interlocked.Exchange(ref _seq, seq + 1);
    }

    /// <summary>A request is [identity, empty, start seq]; the answer is every kept batch from there, then an end marker.</summary>
    private void ServeReplay()
    {
        if (_replay is null) return;
        NetMQMessage? request = null;
        while (_replay.TryReceiveMultipartMessage(ref request))
        {
            if (request.FrameCount != 3 || request[2].BufferSize > 8)
            {
                Console.Error.WriteLine($"warning: KV events of replica {_rank}: ignoring a replay request of {request.FrameCount} frames (expected identity, empty, 8-byte start).");
                continue;
            }
            var identity = request[0].ToByteArray();
            long start = 0;
            foreach (byte b in request[2].ToByteArray()) start = (start << 8) | b;
            foreach (var (seq, payload) in _buffer)
            {
                if (seq < start) continue;
                var seqBytes = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(seqBytes, seq);
                _replay.SendMoreFrame(identity).SendMoreFrameEmpty().SendMoreFrame(seqBytes).SendFrame(payload);
            }
            _replay.SendMoreFrame(identity).SendMoreFrameEmpty().SendMoreFrame(EndOfReplay).SendFrame([]);
        }
    }

    /// <summary>Sends what is still queued at once (as vLLM drains its queue on shutdown), then closes the sockets.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
        _pub.Dispose();
        _replay?.Dispose();
        _queue.Dispose();
    }
}
