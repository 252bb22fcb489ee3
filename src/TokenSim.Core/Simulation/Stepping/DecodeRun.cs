using TokenSim.Core.Scheduling.Replica;

namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// Advances runs of decode steps in one go, with the same results as stepping them one event at a time. Most
/// steps of a serving run change nothing but every running request's length: each request samples one token, its
/// next decode is scheduled, and now and then it needs one more KV block. Between the events that can change the
/// batch (an arrival routed here, a request finishing or having all its tokens in flight, a KV allocation that would
/// fail), the steps differ only by a context that grows by one per request per step, so a run needs one step-time
/// call and a few counters per step instead of the scheduler, the event queue and every request.
/// </summary>
/// <remarks>
/// <para>It applies to vLLM V1's scheduler with async scheduling (the default engine) on one serially stepping rank
/// whose waiting requests cannot be admitted and whose KV manager grows requests by count. Anything else steps
/// exactly; so do drivers that need every step as it happens (see <see cref="Simulator.SkipWindow"/>).</para>
/// <para>A run is lazy. When it starts, its step times are computed and only the step end after it is booked; the
/// replica's state stays at the run's start. Whatever must see the replica before that event (an arrival routed to
/// it, a router that reads decode progress, a time-series sample, the end of <see cref="Simulator.AdvanceTo"/>)
/// first brings it to that moment (<see cref="Settle"/>): the steps that ended before then are applied, and if the
/// run is cut short, the booked event is cancelled and the next step's end booked instead. Step ends are summed
/// in the order the event loop sums them, so times are bit-identical; only the metrics' running sums may add in
/// another order.</para>
/// </remarks>
internal sealed class DecodeRun(Simulator sim)
{
    /// <summary>Steps one run computes at most: a cut-short run wastes the step times beyond the cut.</summary>
    internal const int MaxRunSteps = 32;

    /// <summary>For each step in a block's cycle, how many requests need a new block at that step's schedule.</summary>
    private int[] _crossings = [];
    /// <summary>Steps at which a request with spare blocks beyond one cycle needs its first new block, ascending.</summary>
    private readonly List<int> _late = [];
    /// <summary>Each replica's pending run (null when none).</summary>
    private Pending?[] _pending = [];

    /// <summary>A run computed but not applied: the replica's state is still that of its start.</summary>
    private sealed class Pending
    {
        public int Steps;
        /// <summary>Step ends: [0] is the run's start, [j] the end of its step j.</summary>
        public readonly double[] Ends = new double[MaxRunSteps + 1];
        /// <summary>[j]: the duration of the step launched at Ends[j].</summary>
        public readonly double[] Durations = new double[MaxRunSteps + 1];
        /// <summary>[j]: free blocks after the schedule at Ends[j].</summary>
        public readonly int[] Free = new int[MaxRunSteps + 1];
        public BatchShape Shape;
        public long Context, AboveContext;
        public int Above;
        /// <summary>Sequence number of the booked step end, to cancel it if the run is cut short.</summary>
        public long Booked;
    }

    /// <summary>Whether <paramref name="replica"/> has a run not yet applied.</summary>
    public bool IsPending(ReplicaState replica) => replica.Index < _pending.Length && _pending[replica.Index] is { Steps: > 0 };

    /// <summary>
    /// Called at a step end once the next step has been launched and the one after it scheduled ahead: computes
    /// as many of the following steps as nothing can change and books the end of the step after them (or of the
    /// launched one when no run is possible).
    /// </summary>
    public void StartAndBook(ReplicaState replica)
    {
        var run = Compute(replica);
        double end = run is null ? replica.StepEnd : run.Ends[run.Steps] + run.Durations[run.Steps];
        long seq = sim.BookStepEnd(replica.Index, end);
        if (run is not null) run.Booked = seq;
    }

    private Pending? Compute(ReplicaState replica)
    {
        var (limit, horizon) = sim.SkipWindow();
        if (double.IsNaN(limit)) return null;
        double t = replica.StepEnd;
        if (!(t < horizon && t <= limit)) return null;
        int maxSteps = Math.Min(SteadySteps(replica), MaxRunSteps);
        if (maxSteps < 1) return null;

        var kv = replica.Kv;
        var running = replica.Running;
        int n = running.Count, bs = kv.BlockSize, free = kv.FreeBlocks;
        if (_crossings.Length < bs) _crossings = new int[bs];
        Array.Clear(_crossings, 0, bs);
        _late.Clear();
        foreach (var r in running)
        {
            // The first step whose schedule grows r past the blocks it holds; then one more block every bs steps.
            int first = bs * r.BlocksHeld - r.NumComputed + 1;
            if (first <= bs) _crossings[first - 1]++;
            else _late.Add(first);
        }
        _late.Sort();
        int nextLate = 0;

        if (_pending.Length < sim.Replicas.Count) Array.Resize(ref _pending, sim.Replicas.Count);
        var run = _pending[replica.Index] ??= new Pending();
        // The launched step's shape; each later step is the same batch one token further on per request. The decodes
        // above the mean stay the same ones, as every length and the mean grow by one.
        run.Shape = replica.Batch.Shape();
        run.Context = run.Shape.DecodeContext;
        run.AboveContext = run.Shape.DecodeAboveMeanContext;
        run.Above = run.Shape.DecodeAboveMean;
        run.Ends[0] = sim.Now; // Durations[0], the launched step's, is the replica's StepEnd already
        run.Free[0] = free;
        var exec = sim.ExecutionTimeOf(replica.Index);
        var shape = run.Shape;
        int k = 0;
        while (k < maxSteps)
        {
            int j = k + 1; // step j ends at t
            if (!(t < horizon && t <= limit)) break;
            while (nextLate < _late.Count && _late[nextLate] == j)
            {
                _crossings[(j - 1) % bs]++;
                nextLate++;
            }
            int grow = _crossings[(j - 1) % bs];
            // The schedule at this step end would preempt: let the event loop run it.
            if (grow > free) break;
            // The step launched at t runs the batch scheduled ahead, one token further than the last; the schedule
            // after it takes each request's next decode, and a block for those that need one.
            shape.DecodeContext = run.Context + (long)n * j;
            shape.DecodeAboveMeanContext = run.AboveContext + (long)run.Above * j;
            double dt = exec.StepSeconds(shape);
            free -= grow;
            run.Ends[j] = t;
            run.Durations[j] = dt;
            run.Free[j] = free;
            t += dt;
            k = j;
        }
        run.Steps = k;
        return k == 0 ? null : run;
    }

    /// <summary>
    /// Brings <paramref name="replica"/> to <paramref name="time"/> (just before an event there): applies the steps of
    /// its pending run that ended before then, and if the run is cut short books the next step's end in its place.
    /// </summary>
    public void Settle(ReplicaState replica, double time)
    {
        if (!IsPending(replica)) return;
        var run = _pending[replica.Index]!;
        int m = 0;
        while (m < run.Steps && run.Ends[m + 1] < time) m++;
        Apply(replica, run, m);
        if (m < run.Steps)
        {
            sim.CancelStepEnd(run.Booked);
            sim.BookStepEnd(replica.Index, replica.StepEnd);
        }
        run.Steps = 0;
    }

    /// <summary>The pending run's booked step end came: applies the whole run before the event loop takes over.</summary>
    public void Finish(ReplicaState replica)
    {
        if (!IsPending(replica)) return;
        var run = _pending[replica.Index]!;
        Apply(replica, run, run.Steps);
        run.Steps = 0;
    }

    /// <summary>Applies the first <paramref name="m"/> steps of <paramref name="run"/>, as the event loop would have.</summary>
    private void Apply(ReplicaState replica, Pending run, int m)
    {
        if (m == 0) return;
        var metrics = sim.Metrics;
        var kv = replica.Kv;
        var running = replica.Running;
        int n = running.Count, total = kv.TotalBlocks;
        metrics.RecordDecodeSteps(n, m);
        var meter = sim.StepMeter;
        var shape = run.Shape;
        for (int j = 1; j <= m; j++)
        {
            // Step j ended: every request sampled a token, one step after its last; the step after it began.
            metrics.Itl.Add(run.Ends[j] - run.Ends[j - 1], n);
            int used = total - run.Free[j - 1];
            metrics.RecordStepTime(run.Durations[j], total == 0 ? 0 : (double)used / total);
            if (meter is null) continue;
            // The step launched at Ends[j], as Compute timed it: the batch one token further on per request.
            shape.DecodeContext = run.Context + (long)n * j;
            shape.DecodeAboveMeanContext = run.AboveContext + (long)run.Above * j;
            meter.OnStep(replica.Index, shape, run.Ends[j], run.Durations[j]);
        }
        double last = run.Ends[m];
        foreach (var r in running)
        {
            r.Generated += m;
            r.NumComputed += m;
            r.LastTokenTime = last;
            if (!kv.TryAllocate(r, r.NumComputed)) throw new InvalidOperationException($"A decode run could not grow {r}: its block count went wrong.");
        }
        if (kv.FreeBlocks != run.Free[m]) throw new InvalidOperationException($"A decode run expected {run.Free[m]} free KV blocks, the cache has {kv.FreeBlocks}.");
        replica.Batch.ShiftContexts(m);
        replica.Ahead.ShiftContexts(m);
        replica.TokensGenerated += (long)n * m;
        replica.Steps += m;
        sim.SkippedSteps += m;
        replica.Now = last;
        replica.StepStart = last;
        replica.StepEnd = last + run.Durations[m];
    }

    /// <summary>
    /// How many further steps could change nothing but lengths, from the replica's state now; 0 when it is not in a
    /// steady decode. Every running request must be in the step launched and the one scheduled ahead as a one-token
    /// decode, in running order, with its last token sampled now; none may finish or have its last tokens all in
    /// flight within the run.
    /// </summary>
    private int SteadySteps(ReplicaState replica)
    {
        if (sim.SchedulerOf(replica) is not VllmV1ReplicaScheduler || !replica.Spec.AsyncScheduling
            || replica.Role != ReplicaRole.Mixed || replica.Spec.PipelineParallel > 1
            || (replica.Waiting.Count > 0 && !AdmissionBlocked(replica)) || replica.Swapped.Count > 0 || replica.PendingSwapBytes > 0)
            return 0;
        var running = replica.Running;
        var launched = replica.Batch.Entries;
        var ahead = replica.Ahead.Entries;
        int n = running.Count;
        if (n == 0 || launched.Length != n || ahead.Length != n || n > replica.Spec.MaxNumBatchedTokens) return 0;
        int steps = int.MaxValue;
        double now = sim.Now;
        for (int i = 0; i < n; i++)
        {
            var r = running[i];
            ref readonly var b = ref launched[i];
            ref readonly var a = ref ahead[i];
            if (!ReferenceEquals(b.Request, r) || !ReferenceEquals(a.Request, r)
                || b.Tokens != 1 || !b.Samples || b.Epoch != r.Epoch
                || a.Tokens != 1 || !a.Samples || a.Epoch != r.Epoch
                || b.ContextBefore + 1 != a.ContextBefore || a.ContextBefore + 1 != r.NumComputed
                || r.Placeholders != 2 || r.InFlight != 2 || r.Generated < 1 || r.LastTokenTime != now
                || r.Status != RequestStatus.Running || (long)r.BlocksHeld * replica.Kv.BlockSize < r.NumComputed
                || !replica.Kv.GrowsByCount(r))
                return 0;
            // Step j samples token Generated + j and schedules a decode while Generated + j + 1 < OutputTokens.
            steps = Math.Min(steps, r.OutputTokens - r.Generated - 2);
        }
        return steps;
    }

    /// <summary>
    /// Whether the waiting queue's head stays out for the whole run, as the scheduler just found: no seat left
    /// (<c>max_num_seqs</c>), no token budget left after the decodes, or its blocks do not fit (the full-ISL gate or the
    /// watermark), which a run only makes worse as it grows the running requests. Trying it again changes nothing.
    /// </summary>
    private static bool AdmissionBlocked(ReplicaState replica)
    {
        var spec = replica.Spec;
        var kv = replica.Kv;
        int n = replica.Running.Count;
        if (n >= spec.MaxNumSeqs || spec.MaxNumBatchedTokens - n <= 0) return true;
        var r = replica.Waiting[0];
        // With count-only blocks nothing is cached, so the head's prefix hit is 0 (a transferred prompt is P/D's).
        if (r.TransferredTokens > 0 || r.NumComputed != 0 || !kv.GrowsByCount(r)) return false;
        int reserve = (int)((spec.Watermark ?? 0) * kv.TotalBlocks);
        return !((reserve == 0 || kv.FreeBlocks - kv.BlocksFor(r.NumTokens) >= reserve) && kv.CanFit(r, r.NumTokens));
    }
}
