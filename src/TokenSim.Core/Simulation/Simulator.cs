using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Metrics;
using TokenSim.Core.Randomness;
using TokenSim.Core.Scheduling.Global;
using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Simulation;

/// <summary>
/// The token-level discrete-event simulator of a serving deployment: a router in front of replicas, each a
/// scheduler, a paged KV cache and an execution-time model. Drivers submit requests at any simulated time (or
/// attach a workload), advance the clock, read the state, and clone the whole simulation into an independent
/// copy that continues on its own.
/// </summary>
/// <remarks>
/// Events are ordered by (time, kind, sequence); with the same options, seed and inputs a run is bit-identical,
/// and so is a clone continued with the same inputs. Not thread-safe: one driver at a time.
/// </remarks>
public sealed class Simulator
{
    private readonly PriorityQueue<SimEvent, EventKey> _events = new();
    private readonly ReplicaState[] _replicas;
    private readonly IReplicaScheduler[] _schedulers;
    private readonly IExecutionTimeModel[] _exec;
    /// <summary>The CUDA-graph sizes of a DP group's ranks (all alike), for vLLM's padding across the group.</summary>
    private CudaGraphPadding? _groupGraphs;
    private readonly IGlobalScheduler _router;
    /// <summary>The replicas new requests are routed to: all of them, or the prefill pool when disaggregated.</summary>
    private readonly ReplicaState[] _entry;
    private readonly List<Request> _handoffScratch = [];
    private readonly Stack<Batch> _batchPool = new();
    /// <summary>For each replica (engine rank), the ranks it steps in lockstep with, itself included.</summary>
    private readonly int[][] _group;
    private readonly List<Request> _finishedScratch = [];
    private long _seq;
    private long _nextId;
    private IWorkloadSource? _source;
    private Request? _sourcePending;
    private double _nextSample;
    private ISimulationObserver? _observer;

    public Simulator(SimulationOptions options)
    {
        Options = options;
        var spec = options.Replica;
        if (options.Replicas is < 1 or > Entities.EngineLimits.MaxReplicas) throw new ArgumentException($"--replicas must be 1 to {Entities.EngineLimits.MaxReplicas:N0} (got {options.Replicas:N0}).");
        if (options.DecodeReplicas is < 0 or > Entities.EngineLimits.MaxReplicas) throw new ArgumentException($"--decode-replicas must be 0 to {Entities.EngineLimits.MaxReplicas:N0} (got {options.DecodeReplicas:N0}).");
        var execFactory = options.ExecutionTime ?? (s => new RooflineExecutionTimeModel(s));
        var exec = execFactory(spec);
        var decodeSpec = options.DecodeReplica ?? spec;
        var decodeExec = ReferenceEquals(decodeSpec, spec) ? exec : execFactory(decodeSpec);
        // Each replica is DP ranks of engines; every rank is a ReplicaState of its own.
        long ranks = (long)options.Replicas * spec.DataParallel + (long)options.DecodeReplicas * decodeSpec.DataParallel;
        if (ranks > Entities.EngineLimits.MaxEngineRanks)
            throw new ArgumentException($"--replicas, --decode-replicas and --dp make {ranks:N0} engine ranks ((replicas + decode replicas) × dp); at most {Entities.EngineLimits.MaxEngineRanks:N0}.");
        int prefillRanks = options.Replicas * spec.DataParallel;
        int total = (int)ranks;
        _replicas = new ReplicaState[total];
        _schedulers = new IReplicaScheduler[total];
        _exec = new IExecutionTimeModel[total];
        _group = new int[total][];
        for (int i = 0; i < total; i++)
        {
            bool decode = i >= prefillRanks;
            var s = decode ? decodeSpec : spec;
            var role = !options.Disaggregated ? ReplicaRole.Mixed : decode ? ReplicaRole.Decode : ReplicaRole.Prefill;
            _replicas[i] = new ReplicaState(i, s, Memory.KvCacheManagers.For(s), role);
            _schedulers[i] = ReplicaSchedulers.Registry.Create(s.Scheduler, s);
            _exec[i] = decode ? decodeExec : exec; // stateless and immutable: shared
            // MoE DP ranks exchange tokens in every MoE layer, so they step together; dense DP ranks are independent.
            int dp = s.DataParallel, first = decode ? prefillRanks + (i - prefillRanks) / dp * dp : i / dp * dp;
            _group[i] = dp > 1 && s.Model.IsMoe ? Enumerable.Range(first, dp).ToArray() : [i];
        }
        _entry = _replicas[..prefillRanks];
        _router = GlobalSchedulers.Registry.Create(options.Router, new RouterContext(prefillRanks, options.Seed));
        Random = new SimRandom(options.Seed);
        Metrics = new SimulationMetrics { TimeSeriesInterval = options.TimeSeriesIntervalSeconds };
        WireReplicas();
    }

    private Simulator(Simulator source, Dictionary<Request, Request> map)
    {
        Request Map(Request r)
        {
            if (!map.TryGetValue(r, out var c)) map[r] = c = r.CloneState();
            return c;
        }
        Options = source.Options;
        _replicas = source._replicas.Select(r => r.CloneWith(Map)).ToArray();
        _entry = _replicas[..source._entry.Length];
        _group = source._group;
        _schedulers = source._schedulers.Select(s => s.Clone()).ToArray();
        _exec = source._exec;
        _router = source._router.Clone();
        foreach (var (ev, key) in source._events.UnorderedItems)
            _events.Enqueue(ev.Request is null ? ev : ev with { Request = Map(ev.Request) }, key);
        _seq = source._seq;
        _nextId = source._nextId;
        _source = source._source?.Clone();
        _sourcePending = source._sourcePending is null ? null : Map(source._sourcePending);
        _nextSample = source._nextSample;
        Now = source.Now;
        Random = source.Random.Clone();
        Metrics = source.Metrics.Clone();
        WireReplicas();
    }

    public SimulationOptions Options { get; }
    /// <summary>The execution-time model's name (e.g. <c>roofline</c>, <c>profile:DIR</c>).</summary>
    public string ExecutionModelName => _exec[0].Name;
    public double Now { get; private set; }
    public SimRandom Random { get; }
    public SimulationMetrics Metrics { get; }
    public IReadOnlyList<ReplicaState> Replicas => _replicas;

    /// <summary>The execution-time model replica <paramref name="replica"/> steps with (run headers name it).</summary>
    public IExecutionTimeModel ExecutionTimeOf(int replica) => _exec[replica];
    public IWorkloadSource? Workload => _source;
    public int PendingEvents => _events.Count;
    /// <summary>Time of the next event, or null when nothing is scheduled.</summary>
    public double? NextEventTime => _events.TryPeek(out _, out var k) ? k.Time : null;
    public bool IsIdle => _events.Count == 0;

    /// <summary>Per-request callbacks (not carried over by <see cref="Clone"/>).</summary>
    public ISimulationObserver? Observer
    {
        get => _observer;
        set => _observer = value;
    }

    private void WireReplicas()
    {
        foreach (var r in _replicas)
        {
            r.OnPreempted = req =>
            {
                Metrics.Preemptions++;
                _observer?.OnPreempted(req, Now);
            };
            r.OnFirstScheduled = req => _observer?.OnScheduled(req, Now);
        }
    }

    /// <summary>Submits a request that arrives at <see cref="RequestSpec.ArrivalTime"/> (not before <see cref="Now"/>).</summary>
    public Request Submit(in RequestSpec spec)
    {
        if (spec.ArrivalTime < Now) throw new ArgumentException($"Cannot submit a request at t={spec.ArrivalTime} s: the simulation is already at t={Now} s.");
        var r = NewRequest(spec);
        _events.Enqueue(new SimEvent(EventKind.Arrival, -1, r), new EventKey(spec.ArrivalTime, EventKind.Arrival, _seq++));
        return r;
    }

    /// <summary>
    /// Withdraws a request now, as vLLM's <c>abort_requests</c> does when a client goes away: it leaves its replica's
    /// queues and its KV blocks are freed at once. False when it had already finished, been rejected or aborted.
    /// </summary>
    public bool Abort(Request r)
    {
        switch (r.Status)
        {
            case RequestStatus.Finished or RequestStatus.Rejected or RequestStatus.Aborted:
                return false;
            case RequestStatus.Waiting or RequestStatus.Running:
                _replicas[r.Replica].Remove(r);
                break;
            case RequestStatus.Transferring:
                // Its KV is still on the prefill replica until the transfer lands; HandleTransferDone frees it then.
                break;
        }
        bool pending = r.Status == RequestStatus.Pending;
        r.Status = RequestStatus.Aborted;
        r.FinishTime = Now;
        Metrics.Aborted++;
        if (!pending) _observer?.OnAborted(r, Now);
        // A slot or blocks came free: an idle replica may now admit what waits.
        if (r.Replica >= 0) RequestWake(_replicas[r.Replica]);
        return true;
    }

    /// <summary>
    /// Revises the output length an unfinished request is expected to produce, for drivers that only learn it as
    /// the request runs (the twin predicts it at arrival and corrects it later). Never below the tokens already
    /// produced or in flight plus one, so the request is not finished by the revision itself. Returns the length set.
    /// </summary>
    public int ReviseOutputTokens(Request r, int outputTokens)
    {
        if (r.Status is RequestStatus.Finished or RequestStatus.Rejected or RequestStatus.Aborted)
            throw new InvalidOperationException($"Cannot revise the output length of {r}: it is no longer in the simulation.");
        int floor = Math.Max(r.Generated + r.Placeholders, r.Generated + 1);
        r.OutputTokens = Math.Max(floor, outputTokens);
        return r.OutputTokens;
    }

    /// <summary>Streams requests from <paramref name="source"/>: one pending arrival at a time, so memory stays flat.</summary>
    public void AttachWorkload(IWorkloadSource source)
    {
        if (_source is not null) throw new InvalidOperationException("A workload is already attached.");
        _source = source;
        PullSource();
    }

    private Request NewRequest(in RequestSpec s) => new(_nextId++, s.ArrivalTime, s.PromptTokens, s.OutputTokens)
    {
        Priority = s.Priority, PrefixHashes = s.PrefixHashes, TokenIds = s.TokenIds, ExternalCachedTokens = s.ExternalCachedTokens,
    };

    private void PullSource()
    {
        if (_source is null || _sourcePending is not null) return;
        if (!_source.TryNext(Now, Random, out var spec)) return;
        if (spec.ArrivalTime < Now) spec = spec with { ArrivalTime = Now };
        _sourcePending = Submit(spec);
    }

    /// <summary>Processes the next event; false when there is none.</summary>
    public bool Step()
    {
        if (!_events.TryDequeue(out var ev, out var key)) return false;
        if (Metrics.TimeSeriesInterval > 0) SampleUntil(key.Time);
        Now = key.Time;
        switch (ev.Kind)
        {
            case EventKind.Arrival: HandleArrival(ev.Request!); break;
            case EventKind.StepEnd: HandleStepEnd(_replicas[ev.Replica]); break;
            case EventKind.TransferDone: HandleTransferDone(ev.Request!); break;
            default:
                _replicas[ev.Replica].WakePending = false;
                StartStep(_replicas[ev.Replica]);
                break;
        }
        return true;
    }

    /// <summary>Processes every event up to and including <paramref name="time"/>, then sets the clock to it.</summary>
    public void AdvanceTo(double time)
    {
        while (_events.TryPeek(out _, out var k) && k.Time <= time) Step();
        if (time > Now)
        {
            if (Metrics.TimeSeriesInterval > 0) SampleUntil(time);
            Now = time;
        }
    }

    /// <summary>Runs until no event is left (the workload is exhausted and every request has finished).</summary>
    public void Run(CancellationToken cancellation = default)
    {
        int n = 0;
        while (Step())
        {
            if ((++n & 0xFFFF) == 0) cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>An independent copy of the whole simulation (state, clock, random stream, metrics, workload).</summary>
    public Simulator Clone() => new(this, new Dictionary<Request, Request>(ReferenceEqualityComparer.Instance));

    private void HandleArrival(Request r)
    {
        if (ReferenceEquals(r, _sourcePending)) _sourcePending = null;
        if (r.Status == RequestStatus.Aborted)
        {
            PullSource();
            return;
        }
        Metrics.Arrived++;
        if (double.IsNaN(Metrics.FirstArrival)) Metrics.FirstArrival = Now;
        int maxLen = Options.Replica.MaxModelLen;
        if (r.PromptTokens < 1 || r.OutputTokens < 1 || r.PromptTokens + r.OutputTokens > maxLen)
        {
            r.Status = RequestStatus.Rejected;
            Metrics.Rejected++;
            _observer?.OnRejected(r, Now, r.PromptTokens < 1 || r.OutputTokens < 1
                ? "prompt and output must each be at least 1 token"
                : $"this model's maximum context length is {maxLen} tokens; the request asks for {r.PromptTokens + r.OutputTokens} ({r.PromptTokens} prompt + {r.OutputTokens} output)");
            PullSource();
            return;
        }
        int idx = _router.Route(r, _entry);
        var replica = _replicas[idx];
        r.Replica = idx;
        r.Status = RequestStatus.Waiting;
        r.QueuedTime = replica.Busy ? Math.Max(Now, replica.StepEnd) : Now;
        replica.Waiting.PushBack(r);
        Metrics.PromptTokens += r.PromptTokens;
        _observer?.OnArrived(r, Now);
        RequestWake(replica);
        PullSource();
    }

    /// <summary>Schedules and starts a step on an idle replica; with async scheduling, also schedules the step after it.</summary>
    private void StartStep(ReplicaState replica)
    {
        if (_group[replica.Index].Length > 1)
        {
            // Another rank's wake-up already started the group's step: this rank joins the next one.
            if (!_replicas[_group[replica.Index][0]].Stepping) StartGroup(_group[replica.Index]);
            return;
        }
        if (replica.Spec.PipelineParallel > 1)
        {
            FillPipeline(replica);
            return;
        }
        replica.Now = Now;
        var batch = replica.Batch;
        batch.Clear();
        ScheduleInto(replica, batch);
        if (batch.Count == 0)
        {
            replica.Busy = false;
            return;
        }
        Launch(replica);
        if (replica.Spec.AsyncScheduling) _schedulers[replica.Index].Schedule(replica, replica.Ahead);
    }

    private void ScheduleInto(ReplicaState replica, Batch batch)
    {
        // A schedule that only preempted (a request evicting itself with nothing else scheduled) leaves work behind:
        // vLLM's busy loop simply schedules again, so do the same, once per request that could still be evicted.
        for (int tries = replica.Running.Count + 1; tries > 0; tries--)
        {
            long preemptions = replica.Preemptions;
            _schedulers[replica.Index].Schedule(replica, batch);
            if (batch.Count > 0 || replica.Preemptions == preemptions) break;
        }
    }

    /// <summary>Schedules every rank of a lockstep DP group and starts them together.</summary>
    private void StartGroup(int[] members)
    {
        foreach (int i in members)
        {
            var m = _replicas[i];
            m.Now = Now;
            m.Batch.Clear();
            ScheduleInto(m, m.Batch);
        }
        LaunchGroup(members);
    }

    /// <summary>
    /// Runs a DP group's step. Their MoE layers see the whole group's tokens, so each rank's time is computed with the
    /// group's token count, and the step lasts as long as the slowest rank: the others wait at the dispatch.
    /// </summary>
    /// <remarks>
    /// The group's token count is vLLM's (<c>coordinate_batch_across_dp</c>): a rank with nothing to run still runs a
    /// one-token dummy forward, and when every rank's batch fits a CUDA graph all of them are padded to the graph
    /// size of the largest, dummy included; otherwise each keeps its own count.
    /// </remarks>
    private void LaunchGroup(int[] members)
    {
        int realTokens = 0, maxTokens = 0;
        foreach (int i in members)
        {
            int t = _replicas[i].Batch.TotalTokens;
            realTokens += t;
            maxTokens = Math.Max(maxTokens, Math.Max(t, 1));
        }
        if (realTokens == 0)
        {
            foreach (int i in members) _replicas[i].Busy = _replicas[i].Stepping = false;
            return;
        }
        _groupGraphs ??= CudaGraphPadding.For(_replicas[members[0]].Spec);
        int groupMax, groupTokens = 0;
        if (maxTokens <= _groupGraphs.MaxCaptureSize)
        {
            groupMax = _groupGraphs.Pad(maxTokens);
            groupTokens = groupMax * members.Length;
        }
        else
        {
            groupMax = maxTokens;
            foreach (int i in members) groupTokens += Math.Max(_replicas[i].Batch.TotalTokens, 1);
        }
        double dt = 0;
        foreach (int i in members)
        {
            var m = _replicas[i];
            if (m.Batch.Count == 0) continue;
            var shape = m.Batch.Shape();
            shape.GroupTokens = groupTokens;
            shape.GroupMaxTokens = groupMax;
            dt = Math.Max(dt, _exec[i].StepSeconds(shape) + CopySeconds(m));
        }
        foreach (int i in members)
        {
            var m = _replicas[i];
            if (m.Batch.Count > 0)
            {
                var shape = m.Batch.Shape();
                Metrics.RecordStep(shape, dt, m.Kv.Usage);
                _observer?.OnStep(i, shape, Now, dt);
                m.Steps++;
            }
            m.Busy = true;
            m.Stepping = true;
            m.StepStart = Now;
            m.StepEnd = Now + dt;
        }
        _events.Enqueue(new SimEvent(EventKind.StepEnd, members[0], null), new EventKey(Now + dt, EventKind.StepEnd, _seq++));
        if (_replicas[members[0]].Spec.AsyncScheduling)
            foreach (int i in members) _schedulers[i].Schedule(_replicas[i], _replicas[i].Ahead);
    }

    private void HandleGroupStepEnd(int[] members)
    {
        foreach (int i in members) _replicas[i].Stepping = false;
        foreach (int i in members) ApplyOutputs(_replicas[i]);
        bool ahead = false;
        foreach (int i in members) ahead |= _replicas[i].Ahead.Count > 0;
        foreach (int i in members)
        {
            var m = _replicas[i];
            m.Now = Now;
            if (ahead) m.PromoteAhead();
            else m.Batch.Clear();
            // A rank with nothing scheduled ahead schedules now, so new work joins the group's next step.
            if (m.Batch.Count == 0) ScheduleInto(m, m.Batch);
        }
        LaunchGroup(members);
    }

    /// <summary>Starts <see cref="ReplicaState.Batch"/> on the GPU now and books its end.</summary>
    private void Launch(ReplicaState replica)
    {
        var batch = replica.Batch;
        var shape = batch.Shape();
        double dt = _exec[replica.Index].StepSeconds(shape) + CopySeconds(replica);
        Metrics.RecordStep(shape, dt, replica.Kv.Usage);
        _observer?.OnStep(replica.Index, shape, Now, dt);
        replica.Busy = true;
        replica.Steps++;
        replica.StepStart = Now;
        replica.StepEnd = Now + dt;
        _events.Enqueue(new SimEvent(EventKind.StepEnd, replica.Index, null), new EventKey(Now + dt, EventKind.StepEnd, _seq++));
    }

    /// <summary>
    /// KV copies this step's scheduling issued, which run before its forward pass: swaps in and out (vLLM V0's cache
    /// ops) and prefix blocks fetched from the host tier.
    /// </summary>
    private static double CopySeconds(ReplicaState replica)
    {
        double seconds = 0;
        if (replica.Kv.TakeFetchedBlocks() is > 0 and var fetched)
        {
            var pcie = replica.Spec.Hardware.Pcie ?? replica.Spec.Hardware.IntraNodeLink;
            seconds += pcie.LatencySeconds + (double)fetched * replica.Spec.Memory.BlockBytes / pcie.BandwidthBytesPerSecond;
        }
        if (replica.PendingSwapBytes > 0 && replica.Spec.SwapLink is { } link)
        {
            seconds += link.LatencySeconds + replica.PendingSwapBytes / link.BandwidthBytesPerSecond;
            replica.PendingSwapBytes = 0;
        }
        return seconds;
    }

    /// <summary>
    /// Pipeline parallelism, as vLLM runs it with one batch in flight per stage. New steps are scheduled while
    /// earlier ones are still in the pipeline, as long as fewer than PP are in flight. A step enters the first stage
    /// once the previous one has left it (a stage lasts a PP-th of the step) and comes out a whole step later.
    /// A request is never in two steps at once.
    /// </summary>
    private void FillPipeline(ReplicaState replica)
    {
        replica.Now = Now;
        int pp = replica.Spec.PipelineParallel;
        while (replica.Pipeline.Count < pp)
        {
            var batch = _batchPool.Count > 0 ? _batchPool.Pop() : new Batch();
            batch.Clear();
            ScheduleInto(replica, batch);
            if (batch.Count == 0)
            {
                _batchPool.Push(batch);
                break;
            }
            var shape = batch.Shape();
            double dt = _exec[replica.Index].StepSeconds(shape) + CopySeconds(replica);
            double start = Math.Max(Now, replica.StageFreeAt);
            replica.StageFreeAt = start + dt / pp;
            Metrics.RecordStep(shape, dt, replica.Kv.Usage);
            _observer?.OnStep(replica.Index, shape, start, dt);
            replica.Steps++;
            replica.StepStart = start;
            replica.StepEnd = start + dt;
            replica.Pipeline.Add((batch, start + dt));
            _events.Enqueue(new SimEvent(EventKind.StepEnd, replica.Index, null), new EventKey(start + dt, EventKind.StepEnd, _seq++));
        }
        replica.Busy = replica.Pipeline.Count > 0;
    }

    private void HandleStepEnd(ReplicaState replica)
    {
        if (_group[replica.Index].Length > 1)
        {
            HandleGroupStepEnd(_group[replica.Index]);
            return;
        }
        if (replica.Spec.PipelineParallel > 1)
        {
            // Stages keep order: the step that finishes is the oldest in flight.
            var (done, _) = replica.Pipeline[0];
            replica.Pipeline.RemoveAt(0);
            var previous = replica.SwapBatch(done);
            ApplyOutputs(replica);
            _batchPool.Push(replica.SwapBatch(previous));
            FillPipeline(replica);
            return;
        }
        ApplyOutputs(replica);
        if (replica.Spec.AsyncScheduling && replica.Ahead.Count > 0)
        {
            // The step scheduled one ahead starts now; the next one is scheduled while it runs (vLLM's batch queue).
            replica.Now = Now;
            replica.PromoteAhead();
            Launch(replica);
            _schedulers[replica.Index].Schedule(replica, replica.Ahead);
            return;
        }
        replica.Batch.Clear();
        replica.Busy = false;
        StartStep(replica);
    }

    /// <summary>Applies a finished step: tokens sampled, requests finished or handed off to the decode pool.</summary>
    private void ApplyOutputs(ReplicaState replica)
    {
        var finished = _finishedScratch;
        foreach (ref readonly var e in replica.Batch.Entries)
        {
            var r = e.Request;
            r.InFlight--;
            // A request preempted after this step was scheduled lost its KV: its output here is void.
            if (e.Epoch != r.Epoch) continue;
            if (_observer is not null && (e.Tokens > 1 || !e.Samples)) _observer.OnPrefillChunk(r, e.Tokens, Now);
            if (!e.Samples) continue;
            replica.TokensGenerated++;
            r.Placeholders--;
            r.Generated++;
            if (replica.Role == ReplicaRole.Prefill)
            {
                HandOff(replica, r);
                continue;
            }
            if (r.Generated == 1)
            {
                r.FirstTokenTime = Now;
                replica.PromptTokensServed += r.PromptTokens;
            }
            else Metrics.Itl.Add(Now - r.LastTokenTime);
            r.LastTokenTime = Now;
            _observer?.OnToken(r, Now);
            if (r.Generated >= r.OutputTokens)
            {
                r.FinishTime = Now;
                r.Status = RequestStatus.Finished;
                replica.Kv.Free(r);
                finished.Add(r);
            }
        }
        if (finished.Count > 0 || _handoffScratch.Count > 0)
        {
            _handoffScratch.Clear();
            var running = replica.Running;
            int w = 0;
            for (int i = 0; i < running.Count; i++)
                if (running[i].Status is not (RequestStatus.Finished or RequestStatus.Transferring)) running[w++] = running[i];
            running.RemoveRange(w, running.Count - w);
            foreach (var r in finished)
            {
                Metrics.RecordFinished(r);
                _observer?.OnFinished(r, Now);
                _source?.OnFinished(Now);
            }
            finished.Clear();
            PullSource();
        }
    }

    /// <summary>
    /// A prefill replica sampled a request's first token. The request leaves its batch, and its prompt KV (one
    /// rank's share per GPU, all ranks in parallel) crosses the transfer link. The token reaches the client only when
    /// the KV lands and the decode replica takes over, as in vLLM's and llm-d's P/D disaggregation, so the transfer
    /// shows in TTFT.
    /// </summary>
    private void HandOff(ReplicaState replica, Request r)
    {
        r.Status = RequestStatus.Transferring;
        r.Epoch++; // a decode step already scheduled for it here is void
        r.Placeholders = 0;
        r.TransferredTokens = Math.Min(r.NumComputed, r.NumTokens - 1); // the prompt; the new token has no KV yet
        _handoffScratch.Add(r);
        var link = Options.KvTransferLink ?? replica.Spec.Hardware.InterNode ?? replica.Spec.Hardware.IntraNodeLink;
        double bytes = (double)r.TransferredTokens * replica.Spec.Memory.BlockBytes / replica.Spec.BlockSize;
        double seconds = link.LatencySeconds + bytes / link.BandwidthBytesPerSecond;
        Metrics.KvTransfer.Add(seconds);
        _events.Enqueue(new SimEvent(EventKind.TransferDone, replica.Index, r), new EventKey(Now + seconds, EventKind.TransferDone, _seq++));
    }

    private void HandleTransferDone(Request r)
    {
        _replicas[r.Replica].Kv.Free(r);
        if (r.Status == RequestStatus.Aborted) return;
        r.FirstTokenTime = Now;
        r.LastTokenTime = Now;
        _observer?.OnToken(r, Now);
        if (r.Generated >= r.OutputTokens)
        {
            r.FinishTime = Now;
            r.Status = RequestStatus.Finished;
            Metrics.RecordFinished(r);
            _observer?.OnFinished(r, Now);
            _source?.OnFinished(Now);
            PullSource();
            return;
        }
        // The decode pool's least-loaded replica takes it.
        ReplicaState target = _replicas[_entry.Length];
        for (int i = _entry.Length + 1; i < _replicas.Length; i++)
            if (_replicas[i].Outstanding < target.Outstanding) target = _replicas[i];
        r.Replica = target.Index;
        r.NumComputed = 0;
        r.Status = RequestStatus.Waiting;
        target.Waiting.PushBack(r);
        RequestWake(target);
    }

    /// <summary>
    /// Wakes a replica that can start a step now: an idle one, or, with pipeline parallelism, one whose pipeline
    /// has a free slot. The wake-up sorts after every arrival at this instant, so they join the same step.
    /// </summary>
    private void RequestWake(ReplicaState replica)
    {
        bool canStart = replica.Spec.PipelineParallel > 1
            ? replica.Pipeline.Count < replica.Spec.PipelineParallel && !replica.WakePending
            : !replica.Busy;
        if (!canStart) return;
        replica.Busy = true;
        replica.WakePending = true;
        _events.Enqueue(new SimEvent(EventKind.Wake, replica.Index, null), new EventKey(Now, EventKind.Wake, _seq++));
    }

    private void SampleUntil(double time)
    {
        double dt = Metrics.TimeSeriesInterval;
        while (_nextSample <= time)
        {
            foreach (var r in _replicas)
                Metrics.TimeSeries.Add(new TimeSeriesPoint(_nextSample, r.Index, r.Running.Count, r.Waiting.Count, r.Kv.Usage, r.Kv.UsedBlocks, r.PromptTokensServed, r.TokensGenerated));
            _nextSample += dt;
        }
    }
}
