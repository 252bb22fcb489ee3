using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>The autoscaler worked out by hand on the linear step model (10 ms + 1 ms per token), one request at a time per replica.</summary>
public class AutoscaleTests
{
    private static readonly EngineConfig OneAtATime = new() { MaxNumSeqs = 1, MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false };

    private static Simulator Run(string policy, out Request[] requests)
    {
        // A request (10 + 10 tokens) takes 20 + 9 × 11 = 119 ms: a replica serves 8.4/s. 400 arrive, 20/s for 20 s.
        var sim = new Simulator(new SimulationOptions
        {
            Replica = TestSupport.Spec(OneAtATime), Replicas = 2, ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001),
        });
        var list = new List<Request>();
        sim.AttachScenario(ScenarioReader.Parse(policy, "policy.yaml"), serving: 1);
        for (int i = 0; i < 400; i++) list.Add(sim.Submit(new RequestSpec(i * 0.05, 10, 10)));
        sim.Run();
        requests = [.. list];
        return sim;
    }

    [Fact]
    public void QueueAboveUp_AddsAReplicaAtTheFirstLook_ThatServesAfterItsStartup_AndIsRemovedOnceTheQueueIsGone()
    {
        // At the first look (t = 1 s) 21 have arrived and at most 9 have started: over 3 waiting, so one replica is
        // added; it serves from 1 + 5 = 6 s. The up cooldown and max_replicas 2 allow no other. Arrivals stop at 20 s;
        // once both queues are empty the policy removes the last replica added.
        var sim = Run("autoscale: {metric: waiting, up: 3, down: 0.5, min_replicas: 1, max_replicas: 2, interval_s: 1, up_cooldown_s: 10, down_cooldown_s: 5, startup_s: 5}\n", out var rs);
        var counts = sim.ReplicaCounts;
        Assert.Equal(new ReplicaCountPoint(0, 1, 1), counts[0]);
        Assert.Equal(new ReplicaCountPoint(1, 1, 2), counts[1]);
        Assert.Equal(new ReplicaCountPoint(6, 2, 2), counts[2]);
        Assert.Equal(1, counts[^1].Serving);
        Assert.Equal(1, counts[^1].Provisioned);
        Assert.All(counts, c => Assert.InRange(c.Serving, 1, 2));
        double removed = counts[^1].Time;
        Assert.True(removed > 20, $"removed at {removed} s, while traffic still came");
        // Nothing reached replica 1 before it was ready; requests arriving from 6 s are shared.
        var onNew = rs.Where(r => r.Replica == 1).ToArray();
        Assert.NotEmpty(onNew);
        Assert.All(onNew, r => Assert.True(r.ArrivalTime >= 6));
        Assert.Equal(400, sim.Metrics.Completed);
        // Paid for: replica 0 throughout, replica 1 from 1 s until it was removed (it was empty by then).
        double end = sim.Metrics.LastFinish;
        Assert.Equal((end + (Math.Min(removed, end) - 1)) / 3600, sim.GpuHours!.Value, 9);
    }

    [Fact]
    public void NoScaleUp_BeforeTheUpCooldown_OrAboveMaxReplicas()
    {
        // The same load with up_cooldown 30 s and room for 3: the second replica comes at 1 s, a third only at 31 s,
        // by which time the queue is still over 3 per replica (arrivals end at 20 s, but the backlog lasts).
        var sim = Run("autoscale: {metric: waiting, up: 3, down: 0.5, max_replicas: 3, interval_s: 1, up_cooldown_s: 30, down_cooldown_s: 600, startup_s: 5}\n", out _);
        var ups = sim.ReplicaCounts.Zip(sim.ReplicaCounts.Skip(1)).Where(p => p.Second.Provisioned > p.First.Provisioned).Select(p => p.Second.Time).ToArray();
        Assert.Equal(1, ups[0]);
        Assert.All(ups.Skip(1), t => Assert.True(t >= 31));
        Assert.True(sim.ReplicaCounts.Max(c => c.Provisioned) <= 3);
    }

    [Fact]
    public void QueueDelay_ReadsTheOldestQueuedRequestsWait()
    {
        // One replica, one request at a time; three arrive at 0: at 0.1 s one runs and two wait, the oldest 0.1 s.
        var sim = TestSupport.Linear(OneAtATime, replicas: 1);
        for (int i = 0; i < 3; i++) sim.Submit(new RequestSpec(0, 10, 50));
        sim.AdvanceTo(0.1);
        Assert.Equal(0.1, AutoscaleReading.Read(AutoscaleMetric.QueueDelay, sim, [ReplicaPhase.Serving], sim.Now), 12);
        Assert.Equal(2, AutoscaleReading.Read(AutoscaleMetric.Waiting, sim, [ReplicaPhase.Serving], sim.Now));
    }
}
