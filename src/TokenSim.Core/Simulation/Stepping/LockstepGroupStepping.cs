using TokenSim.Core.ExecutionTime;

namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// The DP ranks of an MoE replica, which exchange tokens in every MoE layer and so step together: one step-end
/// event per group, each rank's time computed with the group's token count (its experts serve them all), and the
/// group's step as long as its slowest rank, since the others wait at the dispatch.
/// </summary>
/// <remarks>
/// The group's token count is vLLM's (<c>coordinate_batch_across_dp</c>): a rank with nothing to run still runs a
/// one-token dummy forward, and when every rank's batch fits a CUDA graph all of them are padded to the graph
/// size of the largest, dummy included; otherwise each keeps its own count.
/// </remarks>
internal sealed class LockstepGroupStepping(Simulator sim, int[] members) : ReplicaStepping(sim)
{
    /// <summary>The ranks' CUDA-graph sizes (all alike), for vLLM's padding across the group; built on first use.</summary>
    private CudaGraphPadding? _graphs;

    public override void Start(ReplicaState replica)
    {
        // Another rank's wake-up already started the group's step: this rank joins the next one.
        if (Sim.Replicas[members[0]].Stepping) return;
        foreach (int i in members)
        {
            var m = Sim.Replicas[i];
            m.Now = Sim.Now;
            m.Batch.Clear();
            Sim.ScheduleInto(m, m.Batch);
        }
        Launch();
    }

    public override void End(ReplicaState replica)
    {
        foreach (int i in members) Sim.Replicas[i].Stepping = false;
        foreach (int i in members) Sim.ApplyOutputs(Sim.Replicas[i]);
        bool ahead = false;
        foreach (int i in members) ahead |= Sim.Replicas[i].Ahead.Count > 0;
        foreach (int i in members)
        {
            var m = Sim.Replicas[i];
            m.Now = Sim.Now;
            if (ahead) m.PromoteAhead();
            else m.Batch.Clear();
            // A rank with nothing scheduled ahead schedules now, so new work joins the group's next step.
            if (m.Batch.Count == 0) Sim.ScheduleInto(m, m.Batch);
        }
        Launch();
    }

    private void Launch()
    {
        var replicas = Sim.Replicas;
        int realTokens = 0, maxTokens = 0;
        foreach (int i in members)
        {
            int t = replicas[i].Batch.TotalTokens;
            realTokens += t;
            maxTokens = Math.Max(maxTokens, Math.Max(t, 1));
        }
        if (realTokens == 0)
        {
            foreach (int i in members) replicas[i].Busy = replicas[i].Stepping = false;
            return;
        }
        _graphs ??= CudaGraphPadding.For(replicas[members[0]].Spec);
        int groupMax, groupTokens = 0;
        if (maxTokens <= _graphs.MaxCaptureSize)
        {
            groupMax = _graphs.Pad(maxTokens);
            groupTokens = groupMax * members.Length;
        }
        else
        {
            groupMax = maxTokens;
            foreach (int i in members) groupTokens += Math.Max(replicas[i].Batch.TotalTokens, 1);
        }
        double dt = 0;
        foreach (int i in members)
        {
            var m = replicas[i];
            if (m.Batch.Count == 0) continue;
            var shape = m.Batch.Shape();
            shape.GroupTokens = groupTokens;
            shape.GroupMaxTokens = groupMax;
            dt = Math.Max(dt, Sim.ExecutionTimeOf(i).StepSeconds(shape) + CopySeconds(m));
        }
        double now = Sim.Now;
        foreach (int i in members)
        {
            var m = replicas[i];
            if (m.Batch.Count > 0)
            {
                var shape = m.Batch.Shape();
                Record(m, shape, now, dt);
            }
            m.Busy = true;
            m.Stepping = true;
            m.StepStart = now;
            m.StepEnd = now + dt;
        }
        Sim.BookStepEnd(members[0], now + dt);
        if (replicas[members[0]].Spec.AsyncScheduling)
            foreach (int i in members) Sim.SchedulerOf(replicas[i]).Schedule(replicas[i], replicas[i].Ahead);
    }
}
