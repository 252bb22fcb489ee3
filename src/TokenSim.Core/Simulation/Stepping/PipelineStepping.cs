namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// Pipeline parallelism, as vLLM runs it with one batch in flight per stage. New steps are scheduled while
/// earlier ones are still in the pipeline, as long as fewer than PP are in flight. A step enters the first stage
/// once the previous one has left it (a stage lasts a PP-th of the step) and comes out a whole step later.
/// A request is never in two steps at once.
/// </summary>
internal sealed class PipelineStepping(Simulator sim) : ReplicaStepping(sim)
{
    /// <summary>Batches that left the pipeline, reused so the hot loop allocates none.</summary>
    private readonly Stack<Batch> _pool = new();

    public override void Start(ReplicaState replica)
    {
        replica.Now = Sim.Now;
        int pp = replica.Spec.PipelineParallel;
        while (replica.Pipeline.Count < pp)
        {
            var batch = _pool.Count > 0 ? _pool.Pop() : new Batch();
            batch.Clear();
            Sim.ScheduleInto(replica, batch);
            if (batch.Count == 0)
            {
                _pool.Push(batch);
                break;
            }
            var shape = batch.Shape();
            double dt = Sim.ExecutionTimeOf(replica.Index).StepSeconds(shape) + CopySeconds(replica);
            double start = Math.Max(Sim.Now, replica.StageFreeAt);
            replica.StageFreeAt = start + dt / pp;
            Record(replica, shape, start, dt);
            replica.Pipeline.Add((batch, start + dt));
            Sim.BookStepEnd(replica.Index, start + dt);
        }
        replica.Busy = replica.Pipeline.Count > 0;
    }

    public override void End(ReplicaState replica)
    {
        // Stages keep order: the step that finishes is the oldest in flight.
        var (done, _) = replica.Pipeline[0];
        replica.Pipeline.RemoveAt(0);
        var previous = replica.SwapBatch(done);
        Sim.ApplyOutputs(replica);
        _pool.Push(replica.SwapBatch(previous));
        Start(replica);
    }
}
