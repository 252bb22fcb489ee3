using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// Forms a replica's next step. <see cref="Schedule"/> moves requests between <see cref="ReplicaState.Waiting"/>
/// and <see cref="ReplicaState.Running"/>, allocates their KV blocks, preempts when memory runs out, and adds
/// each scheduled sequence with its token count to the batch. It must not touch the clock.
/// </summary>
public interface IReplicaScheduler
{
    string Name { get; }

    void Schedule(ReplicaState replica, Batch batch);

    /// <summary>An independent copy with the same internal state (for simulator clones).</summary>
    IReplicaScheduler Clone();
}
