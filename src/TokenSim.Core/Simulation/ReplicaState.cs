using TokenSim.Core.Entities;
using TokenSim.Core.Memory;

namespace TokenSim.Core.Simulation;

/// <summary>
/// The live state of one replica: its queues, KV cache and the step in flight. Schedulers read and change it
/// through the members here; the simulator owns the clock.
/// </summary>
public sealed class ReplicaState
{
    internal ReplicaState(int index, ReplicaSpec spec, IKvCacheManager kv, ReplicaRole role = ReplicaRole.Mixed)
    {
        Role = role;
        Index = index;
        Spec = spec;
        Kv = kv;
    }

    public int Index { get; }
    /// <summary>What this replica does in a disaggregated deployment (everything, by default).</summary>
    public ReplicaRole Role { get; }
    public ReplicaSpec Spec { get; }
    public IKvCacheManager Kv { get; private set; }
    /// <summary>Admitted requests in admission order (re-admitted ones at the end), as vLLM's <c>running</c>.</summary>
    public List<Request> Running { get; private set; } = [];
    public RequestDeque Waiting { get; private set; } = new();
    /// <summary>Requests preempted by swap, oldest first; they resume before any waiting request is admitted (vLLM V0).</summary>
    public RequestDeque Swapped { get; private set; } = new();
    /// <summary>Swap-space blocks in use.</summary>
    public int SwapBlocksUsed { get; private set; }
    /// <summary>KV bytes (per GPU) copied over the swap link that the next step must wait for.</summary>
    public double PendingSwapBytes { get; internal set; }
    public long SwapOuts { get; private set; }
    public long SwapIns { get; private set; }
    /// <summary>The step in flight (empty when idle).</summary>
    public Batch Batch { get; private set; } = new();
    /// <summary>With async scheduling, the step already scheduled to run after <see cref="Batch"/> (empty otherwise).</summary>
    public Batch Ahead { get; private set; } = new();
    public bool Busy { get; internal set; }
    /// <summary>A step is on the GPU (its end event is pending), as opposed to a wake-up being pending.</summary>
    internal bool Stepping { get; set; }
    /// <summary>A wake-up event is queued for this replica.</summary>
    internal bool WakePending { get; set; }
    /// <summary>Simulated time now (the scheduler's step timestamp).</summary>
    public double Now { get; internal set; }
    public double StepStart { get; internal set; }
    public double StepEnd { get; internal set; }
    /// <summary>Requests routed here and not finished: running plus waiting.</summary>
    public int Outstanding => Running.Count + Waiting.Count + Swapped.Count;
    public long Preemptions { get; private set; }
    public long Steps { get; internal set; }
    /// <summary>Prompt tokens of requests that have produced their first token, cached ones included (how vLLM counts prompt throughput).</summary>
    public long PromptTokensServed { get; internal set; }
    public long TokensGenerated { get; internal set; }

    /// <summary>Makes <paramref name="batch"/> the one whose outputs are applied next (pipeline completion).</summary>
    internal Batch SwapBatch(Batch batch)
    {
        var old = Batch;
        Batch = batch;
        return old;
    }

    /// <summary>The scheduled-ahead step becomes the running one; the old running batch, cleared, is reused for the next.</summary>
    internal void PromoteAhead()
    {
        (Batch, Ahead) = (Ahead, Batch);
        Ahead.Clear();
    }

    /// <summary>Pipeline parallelism: steps in flight through the stages, oldest first, each with its end time.</summary>
    internal List<(Batch Batch, double End)> Pipeline { get; private set; } = [];
    /// <summary>When the first pipeline stage is free for the next step.</summary>
    internal double StageFreeAt { get; set; }

    internal Action<Request>? OnPreempted;
    internal Action<Request>? OnFirstScheduled;

    /// <summary>
    /// Preempts <paramref name="victim"/> by recompute, as vLLM V1 does: frees its blocks, forgets its computed
    /// tokens and puts it at the front of the waiting queue. The caller removes it from <see cref="Running"/>.
    /// </summary>
    public void Preempt(Request victim)
    {
        // Swap keeps the computed KV; a victim with a token in flight loses it anyway, so it recomputes.
        var mode = Spec.Preemption;
        if (mode != PreemptionMode.Recompute && victim.Placeholders == 0 && victim.BlocksHeld > 0
            && (mode == PreemptionMode.SwapLazy || SwapBlocksUsed + victim.BlocksHeld <= Spec.SwapBlocks))
        {
            if (mode == PreemptionMode.Swap) SwapOut(victim);
            else victim.SwapResident = true;
            victim.Preemptions++;
            victim.Epoch++;
            victim.Status = RequestStatus.Waiting;
            Swapped.PushBack(victim);
            Preemptions++;
            OnPreempted?.Invoke(victim);
            return;
        }
        Kv.Free(victim);
        victim.NumComputed = 0;
        victim.Placeholders = 0;
        victim.Preemptions++;
        victim.Epoch++;
        victim.TransferredTokens = 0;
        victim.Status = RequestStatus.Waiting;
        Waiting.PushFront(victim);
        Preemptions++;
        OnPreempted?.Invoke(victim);
    }

    /// <summary>
    /// Takes an aborted request out of this replica: out of its queues, its GPU blocks and swap space freed. Steps in
    /// flight that include it still run (they were already launched), but their outputs for it are void.
    /// </summary>
    internal void Remove(Request r)
    {
        if (!Running.Remove(r))
        {
            if (!RemoveFrom(Waiting, r)) RemoveFrom(Swapped, r);
        }
        if (r.SwappedBlocks > 0)
        {
            SwapBlocksUsed -= r.SwappedBlocks;
            r.SwappedBlocks = 0;
        }
        r.SwapResident = false;
        Kv.Free(r);
        r.Placeholders = 0;
        r.Epoch++;
    }

    private static bool RemoveFrom(RequestDeque queue, Request r)
    {
        for (int i = 0; i < queue.Count; i++)
        {
            if (!ReferenceEquals(queue[i], r)) continue;
            queue.RemoveAt(i);
            return true;
        }
        return false;
    }

    private void SwapOut(Request r)
    {
        PendingSwapBytes += (double)r.BlocksHeld * Spec.Memory.BlockBytes;
        r.SwappedBlocks = r.BlocksHeld;
        SwapBlocksUsed += r.BlocksHeld;
        SwapOuts++;
        r.SwapResident = false;
        Kv.Free(r);
    }

    /// <summary>
    /// Lazy swap: copies the oldest GPU-resident swapped request out to make room. Returns false when none is left,
    /// or when the swap space is full (then its KV is dropped and it will recompute).
    /// </summary>
    public bool ReclaimSwapResident()
    {
        for (int i = 0; i < Swapped.Count; i++)
        {
            var r = Swapped[i];
            if (!r.SwapResident) continue;
            if (SwapBlocksUsed + r.BlocksHeld <= Spec.SwapBlocks) SwapOut(r);
            else
            {
                r.SwapResident = false;
                Kv.Free(r);
                r.NumComputed = 0;
                Swapped.RemoveAt(i);
                Waiting.PushFront(r);
            }
            return true;
        }
        return false;
    }

    /// <summary>Brings the oldest swapped request back (copying its KV in unless it never left) and admits it; false if its blocks do not fit.</summary>
    public bool TrySwapIn()
    {
        var r = Swapped.PeekFront();
        if (r.SwapResident && !Kv.CanFit(r, r.NumComputed + Math.Max(1, r.TokensToSchedule))) return false;
        if (!r.SwapResident)
        {
            int blocks = r.SwappedBlocks;
            // Its KV needs fresh blocks for the tokens it had computed, and room for its next token, or it would be
            // swapped straight back out by the step that follows.
            if (!Kv.TryAllocate(r, r.NumComputed + Math.Max(1, r.TokensToSchedule))) return false;
            PendingSwapBytes += (double)blocks * Spec.Memory.BlockBytes;
            SwapBlocksUsed -= blocks;
            r.SwappedBlocks = 0;
        }
        r.SwapResident = false;
        Swapped.PopFront();
        SwapIns++;
        r.Status = RequestStatus.Running;
        Running.Add(r);
        return true;
    }

    /// <summary>Admits <paramref name="r"/> (already removed from waiting) to the end of <see cref="Running"/>.</summary>
    public void Admit(Request r)
    {
        r.Status = RequestStatus.Running;
        if (double.IsNaN(r.ScheduledTime))
        {
            r.ScheduledTime = Now;
            r.CachedPromptTokens = Math.Min(r.NumComputed, r.PromptTokens);
            OnFirstScheduled?.Invoke(r);
        }
        Running.Add(r);
    }

    internal ReplicaState CloneWith(Func<Request, Request> map)
    {
        var c = new ReplicaState(Index, Spec, Kv.Clone(), Role)
        {
            Busy = Busy, Stepping = Stepping, WakePending = WakePending, Now = Now, StepStart = StepStart, StepEnd = StepEnd, Preemptions = Preemptions, Steps = Steps,
            PromptTokensServed = PromptTokensServed, TokensGenerated = TokensGenerated,
            Waiting = Waiting.CloneWith(map), Swapped = Swapped.CloneWith(map), SwapBlocksUsed = SwapBlocksUsed,
            PendingSwapBytes = PendingSwapBytes, SwapOuts = SwapOuts, SwapIns = SwapIns,
        };
        c.Running = new List<Request>(Running.Count);
        foreach (var r in Running) c.Running.Add(map(r));
        c.Batch.CopyFrom(Batch, map);
        c.Ahead.CopyFrom(Ahead, map);
        c.StageFreeAt = StageFreeAt;
        foreach (var (b, end) in Pipeline)
        {
            var copy = new Batch();
            copy.CopyFrom(b, map);
            c.Pipeline.Add((copy, end));
        }
        return c;
    }
}
