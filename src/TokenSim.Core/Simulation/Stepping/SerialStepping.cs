namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// One step at a time on the replica, as vLLM runs a single engine: schedule, run, apply, schedule again. With async
/// scheduling (vLLM V1's default batch queue) the next step is scheduled while the current one runs and starts the
/// moment it ends.
/// </summary>
internal sealed class SerialStepping(Simulator sim) : ReplicaStepping(sim)
{
    public override void Start(ReplicaState replica)
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
        if (replica.Spec.AsyncScheduling) Sim.SchedulerOf(replica).Schedule(replica, replica.Ahead);
    }

    public override void End(ReplicaState replica)
    {
        Sim.ApplyOutputs(replica);
        if (replica.Spec.AsyncScheduling && replica.Ahead.Count > 0)
        {
            // The step scheduled one ahead starts now; the next one is scheduled while it runs (vLLM's batch queue).
            replica.Now = Sim.Now;
            replica.PromoteAhead();
            Launch(replica);
            Sim.SchedulerOf(replica).Schedule(replica, replica.Ahead);
            return;
        }
        replica.Batch.Clear();
        replica.Busy = false;
        Start(replica);
    }

    /// <summary>Starts <see cref="ReplicaState.Batch"/> on the GPU now and books its end.</summary>
    private void Launch(ReplicaState replica)
    {
        var shape = replica.Batch.Shape();
        double dt = Sim.ExecutionTimeOf(replica.Index).StepSeconds(shape) + CopySeconds(replica);
        Record(replica, shape, Sim.Now, dt);
        replica.Busy = true;
        Sim.BookStepEnd(replica.Index, Sim.Now + dt);
    }
}
