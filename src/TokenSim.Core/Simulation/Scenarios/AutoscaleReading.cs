namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>What an autoscaling policy reads from the serving replicas of the pool it scales at an evaluation.</summary>
internal static class AutoscaleReading
{
    /// <param name="from">The first replica of the pool read (to <paramref name="to"/>, exclusive; −1: the last).</param>
    public static double Read(AutoscaleMetric metric, Simulator sim, IReadOnlyList<ReplicaPhase> phases, double now, int from = 0, int to = -1)
    {
        if (to < 0) to = sim.Replicas.Count;
        double sum = 0, max = 0;
        int n = 0;
        for (int k = from; k < to; k++)
        {
            var r = sim.Replicas[k];
            if (phases[k] != ReplicaPhase.Serving) continue;
            n++;
            switch (metric)
            {
                case AutoscaleMetric.Waiting: sum += r.Waiting.Count; break;
                case AutoscaleMetric.Kv: sum += r.Kv.Usage; break;
                default:
                    // The oldest request not yet admitted; preempted ones at the front already had their first admission.
                    for (int i = 0; i < r.Waiting.Count; i++)
                    {
                        var q = r.Waiting[i];
                        if (double.IsNaN(q.ScheduledTime)) max = Math.Max(max, now - q.ArrivalTime);
                    }
                    break;
            }
        }
        return metric == AutoscaleMetric.QueueDelay ? max : n == 0 ? 0 : sum / n;
    }
}
