using TokenSim.Core.Scheduling.Replica;

namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// Advances runs of decode steps in one go, with the same results as stepping them one event at a time. Most
/// steps of a serving run change nothing but every running request's length: each request samples one token, its
/// next decode is scheduled, now and then it needs one more KV block, and now and then one samples its last token
/// and leaves the batch. Between the events that can change the batch otherwise (an arrival routed here, a KV
/// allocation that would fail, a finish that could let a waiting request in), the steps differ only by a context
/// that grows by one per request per step and by the requests that finished, so a run needs one step-time call and
/// a few counters per step instead of the scheduler, the event queue and every request.
/// </summary>
/// <remarks>
/// <para>It applies to schedulers whose steady decode is vLLM V1's (<see cref="ChunkedPrefillReplicaScheduler.SteadyDecodeAsV1"/>:
/// V1 and Sarathi), with or without async scheduling, on one serially stepping rank whose waiting requests cannot be
/// admitted and whose KV manager grows requests by count. Anything else steps exactly; so do drivers that need every
/// step as it happens (see <see cref="Simulator.SkipWindow"/>).</para>
/// <para>A run is lazy. When it starts, its step times are computed and only the step end after it is booked; the
/// replica's state stays at the run's start. Whatever must see the replica before that event (an arrival routed to
/// it, a router that reads decode progress, a time-series sample, the end of <see cref="Simulator.AdvanceTo"/>)
/// first brings it to that moment (<see cref="Settle"/>): the steps that ended before then are applied, requests that
/// finished in them are finished (with their own finish times), and if the run is cut short, the booked event is
/// cancelled and the next step's end booked instead. Step ends are summed in the order the event loop sums them, so
/// times are bit-identical; only the metrics' running sums may add in another order.</para>
/// <para>Request r, with G tokens sampled when the run starts, samples token G + j at the end of the run's step j and
/// its last one at step f = O − G. A step launched at the end of step j holds r while j &lt; f, with or without
/// async scheduling; the schedule at the end of step j grows r while j ≤ f − L, where L is how many steps ahead r
/// is scheduled (2 with async scheduling, 1 without). Its blocks are freed at the end of step f, before that
/// step end's schedule.</para>
/// </remarks>
internal sealed partial class DecodeRun(Simulator sim)
{
    /// <summary>
    /// Steps one run computes at a time: a run cut short by an arrival wastes the step times beyond the cut, and one
    /// that reaches this many goes on from its last step end (<see cref="Continue"/>) at the cost of one event.
    /// </summary>
    internal const int MaxRunSteps = 64;

    /// <summary>[j]: blocks the schedule at the end of step j allocates (requests crossing a block boundary).</summary>
    private readonly int[] _grow = new int[MaxRunSteps + 1];
    /// <summary>[j]: blocks freed by the requests that finish at the end of step j, and how many finish there.</summary>
    private readonly int[] _freed = new int[MaxRunSteps + 1];
    private readonly int[] _finishing = new int[MaxRunSteps + 1];
    /// <summary>Each replica's pending run (null when none).</summary>
    private Pending?[] _pending = [];
    private readonly List<Request> _finished = [];

    /// <summary>A run computed but not applied: the replica's state is still that of its start.</summary>
    private sealed class Pending
    {
        public int Steps;
        /// <summary>
        /// The run stopped at <see cref="MaxRunSteps"/>, not at something the event loop must handle: the event booked
        /// is its last step end, where the next run is computed (<see cref="Continue"/>), not the step end after it.
        /// </summary>
        public bool Continues;
        /// <summary>How many steps ahead a request is scheduled: 2 with async scheduling, 1 without.</summary>
        public int Lookahead;
        /// <summary>Requests whose prompt's last chunk is in the launched step: the end of step 1 samples their first token.</summary>
        public int FirstTokens;
        /// <summary>Step ends: [0] is the run's start, [j] the end of its step j.</summary>
        public readonly double[] Ends = new double[MaxRunSteps + 1];
        /// <summary>[j]: the duration of the step launched at Ends[j].</summary>
        public readonly double[] Durations = new double[MaxRunSteps + 1];
        /// <summary>[j]: free blocks after the schedule at Ends[j].</summary>
        public readonly int[] Free = new int[MaxRunSteps + 1];
        /// <summary>[j]: free blocks when the step launched at Ends[j] started (the KV use it is booked with).</summary>
        public readonly int[] FreeAtLaunch = new int[MaxRunSteps + 1];
        /// <summary>
        /// [j]: the shape of the step launched at Ends[j] (decodes only: its sequence count and contexts); the contexts
        /// only where the batch changes (j = 1 and each finish), the later steps of a segment being one token further on.
        /// </summary>
        public readonly int[] Sequences = new int[MaxRunSteps + 1];
        public readonly long[] Context = new long[MaxRunSteps + 1];
        public readonly int[] Above = new int[MaxRunSteps + 1];
        public readonly long[] AboveContext = new long[MaxRunSteps + 1];
        /// <summary>Sequence number of the booked step end, to cancel it if the run is cut short.</summary>
        public long Booked;

        public BatchShape Shape(int j)
        {
            int n = Sequences[j];
            return new BatchShape
            {
                Tokens = n, GroupTokens = n, GroupMaxTokens = n, Sequences = n, Sampled = n, DecodeCount = n,
                DecodeContext = Context[j], DecodeAboveMean = Above[j], DecodeAboveMeanContext = AboveContext[j],
            };
        }
    }

    /// <summary>Whether <paramref name="replica"/> has a run not yet applied.</summary>
    public bool IsPending(ReplicaState replica) => replica.Index < _pending.Length && _pending[replica.Index] is { Steps: > 0 };

    /// <summary>
    /// Called at a step end once the next step has been launched (and, with async scheduling, the one after it
    /// scheduled ahead): computes as many of the following steps as nothing but lengths and finishes can change, and
    /// books the end of the step after them (or of the launched one when no run is possible).
    /// </summary>
    public void StartAndBook(ReplicaState replica)
    {
        var run = Compute(replica);
        double end = run is null ? replica.StepEnd : run.Continues ? run.Ends[run.Steps] : run.Ends[run.Steps] + run.Durations[run.Steps];
        long seq = sim.BookStepEnd(replica.Index, end);
        if (run is not null) run.Booked = seq;
    }

    private Pending? Compute(ReplicaState replica)
    {
        var (limit, horizon) = sim.SkipWindow();
        if (double.IsNaN(limit)) return null;
        double t = replica.StepEnd;
        if (!(t < horizon && t <= limit)) return null;
        int lookahead = replica.Spec.AsyncScheduling ? 2 : 1;
        if (!Steady(replica, lookahead)) return null;
        // A finish frees a seat and blocks: a waiting request might then be admitted, which only the scheduler decides.
        bool finishes = replica.Waiting.Count == 0 && sim.FinishesInRuns;

        var kv = replica.Kv;
        var running = replica.Running;
        int n = running.Count, bs = kv.BlockSize, free = kv.FreeBlocks;
        const int K = MaxRunSteps;
        var grow = _grow;
        var freed = _freed;
        var finishing = _finishing;
        grow.AsSpan().Clear();
        freed.AsSpan().Clear();
        finishing.AsSpan().Clear();
        int firstTokens = 0;
        foreach (var r in running)
        {
            int f = r.OutputTokens - r.Generated;
            if (r.Generated == 0) firstTokens++;
            int lastGrown = f - lookahead;
            // The first schedule that grows r past the blocks it holds; then one more block every bs steps.
            int first = bs * r.BlocksHeld - r.NumComputed + 1;
            for (int j = first, end = Math.Min(lastGrown, K); j <= end; j += bs) grow[j]++;
            if (f > K) continue;
            finishing[f]++;
            freed[f] += r.BlocksHeld + (lastGrown >= first ? (lastGrown - first) / bs + 1 : 0);
        }

        if (_pending.Length < sim.Replicas.Count) Array.Resize(ref _pending, sim.Replicas.Count);
        var run = _pending[replica.Index] ??= new Pending();
        run.Lookahead = lookahead;
        run.FirstTokens = firstTokens;
        // The launched step's shape; each later step is the same batch one token further on per request. The decodes
        // above the mean stay the same ones, as every length and the mean grow by one, until a request leaves.
        // A prompt's last chunk in the launched step counts as the decode before its first token (DecodeShape).
        long context, aboveContext;
        int above;
        if (replica.Batch.TotalTokens == n)
        {
            var launched = replica.Batch.Shape();
            (context, above, aboveContext) = (launched.DecodeContext, launched.DecodeAboveMean, launched.DecodeAboveMeanContext);
        }
        else (context, above, aboveContext) = DecodeShape(replica, 0);
        int active = n, segment = 0;
        run.Ends[0] = sim.Now; // Durations[0], the launched step's, is the replica's StepEnd already
        run.Free[0] = free;
        run.Sequences[0] = n;
        var exec = sim.ExecutionTimeOf(replica.Index);
        // The run's arrays as locals: the loop below is the cost of every step a run times.
        var ends = run.Ends;
        var durations = run.Durations;
        var frees = run.Free;
        var freeAtLaunch = run.FreeAtLaunch;
        var sequences = run.Sequences;
        var contexts = run.Context;
        var aboves = run.Above;
        var aboveContexts = run.AboveContext;
        int k = 0;
        while (k < K)
        {
            int j = k + 1; // step j ends at t
            if (!(t < horizon && t <= limit)) break;
            if (finishing[j] > 0)
            {
                if (!finishes) break;
                active -= finishing[j];
                // The last request leaves: the replica goes idle, which the event loop handles.
                if (active == 0) break;
                (context, above, aboveContext) = DecodeShape(replica, j);
                segment = j;
            }
            // The schedule at this step end would preempt: let the event loop run it.
            if (grow[j] > free + freed[j]) break;
            // The step launched at t runs the batch scheduled for it, one token further than the last per request, and
            // so do the steps up to the next finish: their times come in one call.
            long stepContext = context + (long)active * (j - segment), stepAboveContext = aboveContext + (long)above * (j - segment);
            int end = j + 1;
            while (end <= K && finishing[end] == 0) end++;
            var shape = new BatchShape
            {
                Tokens = active, GroupTokens = active, GroupMaxTokens = active, Sequences = active, Sampled = active, DecodeCount = active,
                DecodeContext = stepContext, DecodeAboveMean = above, DecodeAboveMeanContext = stepAboveContext,
            };
            exec.DecodeStepSeconds(shape, durations.AsSpan(j, end - j));
            // Only where the batch changes (the run's first step, a finish) does Apply ask for the shape.
            contexts[j] = stepContext;
            aboves[j] = above;
            aboveContexts[j] = stepAboveContext;
            k = Walk(j, end, ref t, ref free, horizon, limit, lookahead == 2, active, grow, freed, durations, ends, frees, freeAtLaunch, sequences);
            if (k < end - 1) break;
        }
        run.Steps = k;
        run.Continues = k == K;
        sim.ComputedSteps += k;
        sim.ComputedRuns++;
        return k == 0 ? null : run;
    }

    /// <summary>
    /// Steps <paramref name="from"/> to <paramref name="end"/> − 1 of a run, whose times are timed already: each ends at
    /// <paramref name="t"/>, which then grows by its time, and its schedule grows requests into the free blocks. Stops
    /// before a step that ends at or past the horizon or beyond the limit, or whose schedule would preempt; returns the
    /// last step it took. Apart from the run's other steps: with no call inside, its state stays in registers.
    /// </summary>
    private static int Walk(int from, int end, ref double t, ref int free, double horizon, double limit, bool launchBeforeGrowth, int active,
        int[] grow, int[] freed, double[] durations, double[] ends, int[] frees, int[] freeAtLaunch, int[] sequences)
    {
        double time = t;
        int blocks = free, j = from;
        for (; j < end; j++)
        {
            if (!(time < horizon && time <= limit)) break;
            int available = blocks + freed[j];
            if (grow[j] > available) break;
            blocks = available - grow[j];
            ends[j] = time;
            frees[j] = blocks;
            // With async scheduling the step is launched before the schedule that grows requests; without, after it.
            freeAtLaunch[j] = launchBeforeGrowth ? available : blocks;
            sequences[j] = active;
            time += durations[j];
        }
        t = time;
        free = blocks;
        return j - 1;
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
        // Cut short, or settled at its very end before the event that would go on from there: the next step's end stands.
        if (m < run.Steps || run.Continues)
        {
            sim.CancelStepEnd(run.Booked);
            sim.BookStepEnd(replica.Index, replica.StepEnd);
        }
        run.Steps = 0;
    }

    /// <summary>
    /// The event a run that reached <see cref="MaxRunSteps"/> booked at its last step end came: applies it and goes on
    /// with the next run from there (or books the next step's end). False when the replica has no such run.
    /// </summary>
    public bool Continue(ReplicaState replica)
    {
        if (!IsPending(replica)) return false;
        var run = _pending[replica.Index]!;
        if (!run.Continues) return false;
        if (run.Ends[run.Steps] != sim.Now) throw new InvalidOperationException($"A decode run of replica {replica.Index} ends at {run.Ends[run.Steps]} s, its event came at {sim.Now} s.");
        Apply(replica, run, run.Steps);
        run.Steps = 0;
        StartAndBook(replica);
        return true;
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
        int total = kv.TotalBlocks, lookahead = run.Lookahead;
        var meter = sim.StepMeter;
        // Step j ended: every request in it sampled a token, one step after its last; the step after it began.
        long tokens = 0;
        foreach (int n in run.Sequences.AsSpan(0, m)) tokens += n;
        metrics.RecordDecodeRun(run.Ends.AsSpan(0, m + 1), run.Sequences.AsSpan(0, m), run.FirstTokens, run.Durations.AsSpan(1, m), run.FreeAtLaunch.AsSpan(1, m), total);
        // The steps launched at Ends[1..m], as Compute timed them: the same batch one token further on per step until
        // a request leaves.
        for (int j = 1, same; j <= m; j += same)
        {
            for (same = 1; j + same <= m && run.Sequences[j + same] == run.Sequences[j]; same++) { }
            metrics.RecordDecodeSteps(run.Sequences[j], same);
            meter?.OnDecodeSteps(replica.Index, run.Shape(j), run.Ends.AsSpan(j, same), run.Durations.AsSpan(j, same));
        }
        // The steps in flight now: the one launched at the run's last step end, and the one scheduled after it.
        replica.Batch.AdvanceDecodes(m, m);
        if (lookahead == 2) replica.Ahead.AdvanceDecodes(m, m + 1);
        var finished = _finished;
        if (run.FirstTokens > 0)
        {
            // Their prompts' last chunks ended with step 1: first tokens, as the step's outputs would book them.
            foreach (var r in running)
            {
                if (r.Generated != 0) continue;
                r.FirstTokenTime = run.Ends[1];
                replica.PromptTokensServed += r.PromptTokens;
            }
        }
        foreach (var r in running)
        {
            int f = r.OutputTokens - r.Generated;
            if (f > m) continue;
            // Sampled its last token at the end of step f; blocks grown since are freed with the rest.
            r.NumComputed += Math.Max(0, f - lookahead);
            r.Generated = r.OutputTokens;
            r.LastTokenTime = r.FinishTime = run.Ends[f];
            r.Status = RequestStatus.Finished;
            r.Placeholders = 0;
            r.InFlight = 0;
            kv.Free(r);
            finished.Add(r);
        }
        double last = run.Ends[m];
        int w = 0;
        for (int i = 0; i < running.Count; i++)
        {
            var r = running[i];
            if (r.Status == RequestStatus.Finished) continue;
            running[w++] = r;
            int f = r.OutputTokens - r.Generated;
            r.Generated += m;
            r.NumComputed += Math.Clamp(f - lookahead, 0, m);
            r.LastTokenTime = last;
            // Async: a request whose last token is in the launched step was not scheduled again.
            if (lookahead == 2 && f == m + 1) r.Placeholders = r.InFlight = 1;
            if (!kv.TryAllocate(r, r.NumComputed)) throw new InvalidOperationException($"A decode run could not grow {r}: its block count went wrong.");
        }
        if (w < running.Count) running.RemoveRange(w, running.Count - w);
        if (kv.FreeBlocks != run.Free[m]) throw new InvalidOperationException($"A decode run expected {run.Free[m]} free KV blocks, the cache has {kv.FreeBlocks}.");
        replica.TokensGenerated += tokens;
        replica.Steps += m;
        sim.SkippedSteps += m;
        replica.Now = last;
        replica.StepStart = last;
        replica.StepEnd = last + run.Durations[m];
        if (finished.Count == 0) return;
        // In the order the event loop finishes them: by step, then in batch order (a stable insertion sort: a few).
        for (int i = 1; i < finished.Count; i++)
        {
            var r = finished[i];
            int at = i;
            for (; at > 0 && finished[at - 1].FinishTime > r.FinishTime; at--) finished[at] = finished[at - 1];
            finished[at] = r;
        }
        foreach (var r in finished) sim.Finished(r, r.FinishTime);
        finished.Clear();
        sim.PullSource();
    }
}
