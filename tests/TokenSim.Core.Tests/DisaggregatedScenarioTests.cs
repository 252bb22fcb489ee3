using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Core.Tests;

/// <summary>
/// A prefill or a decode replica lost in a disaggregated deployment, worked out by hand: 10 ms + 1 ms/token steps,
/// Llama-2-7B's 512 KiB of KV per token over a 1 GB/s link with 1 ms of latency (100 tokens: 53.4288 ms).
/// </summary>
public class DisaggregatedScenarioTests
{
    private const double Transfer100 = 0.001 + 100 * 524288 / 1e9;

    private static Simulator Sim(int prefill, int decode, string yaml)
    {
        var spec = TestSupport.Spec(new EngineConfig { MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false });
        var sim = new Simulator(new SimulationOptions
        {
            Replica = spec, Replicas = prefill, DecodeReplicas = decode, KvTransferLink = new LinkSpec("test", 1e9, 0.001), Seed = 1,
            ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001),
        });
        sim.AttachScenario(ScenarioReader.Parse(yaml, "test.yaml"));
        return sim;
    }

    [Fact]
    public void DecodeReplicaLost_ItsRequestPrefillsAgain_AndLandsOnTheSurvivingDecodeReplica_KeepingItsFirstToken()
    {
        // Prefill replica 0, decode replicas 1 and 2. A and B (100 + 200) prefill together in 210 ms and land at
        // 0.210 + 53.4288 ms: A on replica 1, B on replica 2 (the least loaded then). B's token k comes at
        // 0.2634288 + 0.011 (k − 1): at 1 s it has 67 (the 67th at 0.9894288; the step in flight is void). Replica 2
        // is lost at 1 s: B prefills its 100 + 67 tokens again on replica 0 (177 ms, to 1.177), samples its 68th, and
        // its 167 tokens of KV cross in 1 ms + 87.5561 ms, so the 68th reaches the client at 1.2655561, from replica 1.
        var sim = Sim(1, 2, "events:\n  - {at: 1, event: replica-lost, replica: 2}\n");
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 100, 200));
        var b = sim.Submit(new RequestSpec(0, 100, 200));
        sim.AdvanceTo(0.999);
        Assert.Equal((1, 2), (a.Replica, b.Replica));
        sim.Run();
        double land = 0.210 + Transfer100;
        Assert.Equal(land, b.FirstTokenTime, 9);
        var tokens = obs.Tokens[b.Id];
        Assert.Equal(land + 0.011 * 66, tokens[66], 9);
        Assert.Equal(1.177 + 0.001 + 167 * 524288 / 1e9, tokens[67], 9);
        Assert.Equal(200, tokens.Count);
        Assert.Equal((1, 1), (a.Replica, b.Replica));
        Assert.Equal(2, sim.Metrics.Completed);
        Assert.Equal(0, sim.Metrics.Aborted);
        Assert.Equal(ReplicaPhase.Lost, sim.ReplicaPhases[2]);
        Assert.All(sim.Replicas, r => Assert.Equal(r.Kv.TotalBlocks, r.Kv.FreeBlocks));
    }

    [Fact]
    public void PrefillReplicaLost_ItsRunningPrefillAndItsKvInFlight_GoToTheOtherPrefillReplica()
    {
        // Prefill replicas 0 and 1, decode replica 2; round-robin. A (t 0) → 0, B (t 0) → 1, C (t 0.12) → 0; prompts
        // 100, 4 output tokens. A and B prefill in 110 ms and their KV crosses until 0.1634288. C prefills on 0 from
        // 0.12. Replica 0 is lost at 0.15: C (mid-prefill) goes to replica 1, idle, and prefills from 0.15 to 0.26;
        // A's transfer fails with replica 0 when it would have landed, and A queues on replica 1 behind C, prefills
        // from 0.26 to 0.37 and lands at 0.37 + 53.4288 ms. B never touched replica 0.
        var sim = Sim(2, 1, "events:\n  - {at: 0.15, event: replica-lost, replica: 0}\n");
        var a = sim.Submit(new RequestSpec(0, 100, 4));
        var b = sim.Submit(new RequestSpec(0, 100, 4));
        var c = sim.Submit(new RequestSpec(0.12, 100, 4));
        sim.Run();
        Assert.Equal(0.110 + Transfer100, b.FirstTokenTime, 9);
        Assert.Equal(0.260 + Transfer100, c.FirstTokenTime, 9);
        Assert.Equal(0.370 + Transfer100, a.FirstTokenTime, 9);
        Assert.All(new[] { a, b, c }, r => Assert.Equal((RequestStatus.Finished, 2, 4), (r.Status, r.Replica, r.Generated)));
        Assert.Equal(3, sim.Metrics.Completed);
    }

    [Fact]
    public void PrefillReplicaLost_WithFail_AbortsWhatItHeld_ItsKvInFlightIncluded()
    {
        var sim = Sim(2, 1, "events:\n  - {at: 0.15, event: replica-lost, replica: 0, requests: fail}\n");
        var a = sim.Submit(new RequestSpec(0, 100, 4));
        var b = sim.Submit(new RequestSpec(0, 100, 4));
        var c = sim.Submit(new RequestSpec(0.12, 100, 4));
        sim.Run();
        Assert.Equal((RequestStatus.Aborted, RequestStatus.Finished, RequestStatus.Aborted), (a.Status, b.Status, c.Status));
        Assert.Equal((1, 2), (sim.Metrics.Completed, sim.Metrics.Aborted));
    }

    [Fact]
    public void Disaggregated_Autoscaled_IsStillRefused_NamingTheFile()
    {
        var spec = TestSupport.Spec(new EngineConfig { MaxModelLen = 4096 });
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 1, DecodeReplicas = 1 });
        var e = Assert.Throws<FormatException>(() => sim.AttachScenario(ScenarioReader.Parse("autoscale: {metric: waiting, up: 4, down: 1, max_replicas: 2}\n", "t.yaml")));
        Assert.StartsWith("t.yaml: replicas added or autoscaled are not simulated for disaggregated", e.Message);
    }
}
