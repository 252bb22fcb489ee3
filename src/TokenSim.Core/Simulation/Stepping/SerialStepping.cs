namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// One step at a time on the replica, as vLLM runs a single engine: schedule, run, apply, schedule again. With async
/// scheduling (vLLM V1's default batch queue) the next step is scheduled while the current one runs and starts the
/// moment it ends.
/// </summary>
internal sealed class SerialStepping(Simulator sim) : ReplicaStepping(sim)
{
    private readonly DecodeRun _run = new(sim);

    public override void Start(ReplicaState replica) => Start(replica, afterEnd: false);

    /// <param name="afterEnd">The step before ended now: without async scheduling, a decode run may start here.</param>
    private void Start(ReplicaState replica, bool afterEnd)
    {
        replica.Now = Sim.Now;
        var batch = replica.Batch;
        batch.Clear();
        Sim.ScheduleInto(replica, batch);
        if (batch.Count == 0)
        {
            replica.Busy = false;
            return;
        }
        Launch(replica);
        if (replica.Spec.AsyncScheduling)
        {
            Sim.BookStepEnd(replica.Index, replica.StepEnd);
            Sim.SchedulerOf(replica).Schedule(replica, replica.Ahead);
        }
        // Synchronous steps: each schedules after the last one's outputs, so a run can start once one is launched.
        else if (afterEnd) _run.StartAndBook(replica);
        else Sim.BookStepEnd(replica.Index, replica.StepEnd);
    }

    public override void End(ReplicaState replica)
    {
        // A decode run that stopped only at its length goes on from its last step end.
        if (_run.Continue(replica)) return;
        // The step ending now may be the one after a decode run: the run's steps come first.
        _run.Finish(replica);
        Sim.ApplyOutputs(replica);
        if (replica.Spec.AsyncScheduling && replica.Ahead.Count > 0)
        {
            // The step scheduled one ahead starts now; the next one is scheduled while it runs (vLLM's batch queue).
            replica.Now = Sim.Now;
            replica.PromoteAhead();
            Launch(replica);
            Sim.SchedulerOf(replica).Schedule(replica, replica.Ahead);
            // Steps in which nothing can change go by in one go; the step end after them is booked.
            _run.StartAndBook(replica);
            return;
        }
        replica.Batch.Clear();
        replica.Busy = false;
        Start(replica, afterEnd: true);
    }

    /// <summary>Brings <paramref name="replica"/>'s pending decode run, if any, to <paramref name="time"/> (<see cref="DecodeRun.Settle"/>).</summary>
    public void Settle(ReplicaState replica, double time) => _run.Settle(replica, time);

    /// <summary>Starts <see cref="ReplicaState.Batch"/> on the GPU now; the caller books its end.</summary>
    private void Launch(ReplicaState replica)
    {
        var shape = replica.Batch.Shape();
        double dt = Sim.ExecutionTimeOf(replica.Index).StepSeconds(shape) + CopySeconds(replica);
        Record(replica, shape, Sim.Now, dt);
        replica.Busy = true;
    }
}
