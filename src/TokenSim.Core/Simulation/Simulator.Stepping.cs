using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Simulation.Stepping;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Simulation;

/// <summary>What the stepping modes (<see cref="ReplicaStepping"/>) ask of the simulator: step outputs, decode-run windows, booked step ends, scheduling into a batch, finishes and wakes.</summary>
public sealed partial class Simulator
{
    /// <summary>Applies the outputs of <paramref name="replica"/>'s step that just ended (<see cref="StepOutputs"/>).</summary>
    internal void ApplyOutputs(ReplicaState replica) => _outputs.Apply(replica);

    /// <summary>
    /// How far a replica may run decode steps in one go from now (<see cref="DecodeRun"/>): NaN when it must step one
    /// event at a time (a single <see cref="Step"/>, <c>--exact-steps</c>, an observer that wants every step, P/D
    /// hand-offs, a workload whose arrivals depend on finishes), else the limit a run's step ends may reach (the target
    /// of <see cref="AdvanceTo"/>, inclusive) and a horizon they must stay before: the next time-series sample, and,
    /// when the router reads decode progress, the next arrival. Other arrivals settle the replica they are routed to.
    /// </summary>
    internal (double Limit, double Horizon) SkipWindow()
    {
        if (double.IsNaN(_skipLimit) || Options.ExactSteps || Observer is { WantsEveryStep: true }
            || Options.Disaggregated || _source is { OpenLoop: false })
            return (double.NaN, double.NaN);
        // A router that reads decode progress settles every replica at each arrival: runs stop there.
        double next = _router.ReadsDecodeProgress ? _events.NextArrivalTime : double.PositiveInfinity;
        // A time-series sample reads every replica when the first event at or after it is taken: like an arrival.
        if (Metrics.TimeSeriesInterval > 0) next = Math.Min(next, _nextSample);
        // A scenario's action changes replicas or their step times: like a sample.
        if (_scenario is not null) next = Math.Min(next, _scenario.NextTime);
        return (_skipLimit, next);
    }

    /// <summary>
    /// Whether a request may finish inside a decode run, so that a replica holds fewer requests than it shows until it
    /// is settled: not when the router reads queue lengths without settling every replica first.
    /// </summary>
    internal bool FinishesInRuns => _router.ReadsDecodeProgress || !_router.ReadsQueueLengths;

    internal IReplicaScheduler SchedulerOf(ReplicaState replica) => _schedulers[replica.Index];

    /// <summary>Books a step end of <paramref name="replica"/> at <paramref name="time"/>; returns its sequence number.</summary>
    internal long BookStepEnd(int replica, double time) => _events.Enqueue(EventKind.StepEnd, time, replica, null);

    /// <summary>Withdraws a booked step end (a decode run cut short books the next step's end instead).</summary>
    internal void CancelStepEnd(long seq) => _events.Cancel(seq);

    internal void BookTransferDone(int replica, Request r, double time) =>
        _events.Enqueue(EventKind.TransferDone, time, replica, r);

    internal void ScheduleInto(ReplicaState replica, Batch batch)
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

    /// <summary>A request is done: counted, reported, and its closed-loop client told (the caller pulls the next arrival).</summary>
    internal void Finished(Request r) => Finished(r, Now);

    /// <summary>As <see cref="Finished(Request)"/> for a request that finished at <paramref name="time"/> inside a decode run applied later.</summary>
    internal void Finished(Request r, double time)
    {
        Metrics.RecordFinished(r);
        Observer?.OnFinished(r, time);
        _source?.OnFinished(time);
    }

    /// <summary>
    /// Wakes a replica that can start a step now: an idle one, or, with pipeline parallelism, one whose pipeline
    /// has a free slot. The wake-up sorts after every arrival at this instant, so they join the same step.
    /// </summary>
    internal void RequestWake(ReplicaState replica)
    {
        bool canStart = replica.Spec.PipelineParallel > 1
            ? replica.Pipeline.Count < replica.Spec.PipelineParallel && !replica.WakePending
            : !replica.Busy;
        if (!canStart) return;
        replica.Busy = true;
        replica.WakePending = true;
        _events.Enqueue(EventKind.Wake, Now, replica.Index, null);
    }
}
