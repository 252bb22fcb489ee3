namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>What an autoscaling policy reads from the serving replicas at an evaluation.</summary>
internal static class AutoscaleReading
{
    public static double Read(AutoscaleMetric metric, Simulator sim, IReadOnlyList<ReplicaPhase> phases, double now)
    {
        double sum = 0, max = 0;
        int n = 0;
        foreach (var r in sim.Replicas)
        {
            if (phases[r.Index] != ReplicaPhase.Serving) continue;
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
