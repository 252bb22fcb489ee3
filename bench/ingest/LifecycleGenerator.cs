using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;

namespace TokenSim.Bench.Ingest;

/// <summary>
/// One client lane's share of a deployment's production stream, in production-time order: per replica, Poisson
/// arrivals, each followed by scheduled, first token and finished, plus periodic engine snapshots. Every lane owns
/// its own requests, so a request's events always travel in order on one lane.
/// </summary>
internal sealed class LifecycleGenerator
{
    private const int MaxTokens = 512;
    private const double TpotSeconds = 0.025;
    private readonly PriorityQueue<Pending, (double, long)> _due = new();
    private readonly Random _rng;
    private readonly string _deployment;
    private readonly int _lane;
    private readonly int _lanes;
    private readonly double _epoch;
    private readonly double _interArrival;
    private readonly double _snapshotInterval;
    private readonly int[] _active;
    private long _seq, _order;

    public LifecycleGenerator(string deployment, int lane, int lanes, int replicas, double ratePerReplica, double snapshotInterval, double epoch)
    {
        _deployment = deployment;
        _lane = lane;
        _lanes = lanes;
        _epoch = epoch;
        _rng = new Random(1000 + lane);
        // The lanes together carry each replica's rate; each samples its own Poisson share of it.
        _interArrival = lanes / ratePerReplica;
        _snapshotInterval = snapshotInterval;
        _active = new int[replicas];
        for (int r = 0; r < replicas; r++)
        {
            Push(Exp(), new Pending(PendingKind.Arrival, r, null, 0));
            // Each replica's snapshots come from one lane only, as one engine has one stats logger.
            if (r % lanes == lane) Push(snapshotInterval * (r + 1) / replicas, new Pending(PendingKind.Snapshot, r, null, 0));
        }
    }

    /// <summary>Production seconds since the epoch of the last event handed out.</summary>
    public double Now { get; private set; }

    public void Fill(IngestBatchRequest batch, int count)
    {
        while (batch.Events.Count < count) batch.Events.Add(Next());
    }

    private Event Next()
    {
        while (true)
        {
            _due.TryDequeue(out var p, out var key);
            double t = key.Item1;
            Now = t;
            switch (p.Kind)
            {
                case PendingKind.Arrival:
                    Push(t + Exp(), p);
                    string id = $"r{_lane}-{_seq++}";
                    int prompt = _rng.Next(128, 1025), output = _rng.Next(16, 257);
                    double ttft = 0.02 + prompt * 6e-5;
                    Push(t + 0.002, new Pending(PendingKind.Scheduled, p.Replica, id, 0));
                    Push(t + ttft, new Pending(PendingKind.FirstToken, p.Replica, id, 0));
                    Push(t + ttft + (output - 1) * TpotSeconds, new Pending(PendingKind.Finished, p.Replica, id, output));
                    _active[p.Replica]++;
                    var arrived = New(id + "/a", p.Replica, t);
                    arrived.RequestArrived = new RequestArrived { RequestId = id, PromptTokens = prompt, MaxTokens = MaxTokens };
                    return arrived;
                case PendingKind.Scheduled:
                    var scheduled = New(p.RequestId + "/s", p.Replica, t);
                    scheduled.RequestScheduled = new RequestScheduled { RequestId = p.RequestId };
                    return scheduled;
                case PendingKind.FirstToken:
                    var first = New(p.RequestId + "/f", p.Replica, t);
                    first.FirstToken = new FirstToken { RequestId = p.RequestId };
                    return first;
                case PendingKind.Finished:
                    _active[p.Replica]--;
                    var finished = New(p.RequestId + "/d", p.Replica, t);
                    finished.RequestFinished = new RequestFinished { RequestId = p.RequestId, OutputTokens = p.OutputTokens };
                    return finished;
                default:
                    Push(t + _snapshotInterval, p);
                    // A lane sees only its own requests: scaled so the figure stands for the whole replica.
                    var snap = New($"snap-{p.Replica}-{_seq++}", p.Replica, t);
                    snap.EngineSnapshot = new EngineSnapshot { Running = _active[p.Replica] * _lanes, Waiting = 0 };
                    return snap;
            }
        }
    }

    private double Exp() => -Math.Log(1 - _rng.NextDouble()) * _interArrival;

    private void Push(double t, Pending p) => _due.Enqueue(p, (t, _order++));

    private Event New(string id, int replica, double t) => new()
    {
        EventId = $"{_deployment}/{_lane}/{id}", Deployment = _deployment, Replica = replica,
        ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round((_epoch + t) * TimeSpan.TicksPerSecond))),
    };

    private enum PendingKind { Arrival, Scheduled, FirstToken, Finished, Snapshot }

    private readonly record struct Pending(PendingKind Kind, int Replica, string? RequestId, int OutputTokens);
}
