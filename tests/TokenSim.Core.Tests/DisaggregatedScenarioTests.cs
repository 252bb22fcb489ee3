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
    public void SlowLink_OnThePrefillReplica_StretchesTheKvCrossingByItsFactor_WhileItLasts()
    {
        // Prefill replica 0 sends over links 4× slower from 0 to 0.2 s. A (t 0.01) prefills to 0.12 and its 100 tokens'
        // KV crosses in 1 ms + 4 × 52.4288 ms: first token at 0.3307152. B (t 0.3) prefills to 0.41, after the event:
        // its KV crosses in 53.4288 ms, first token at 0.4634288. The crossing's bandwidth part is exactly 4× as long;
        // its latency is the link's.
        var sim = Sim(1, 1, "events:\n  - {at: 0, until: 0.2, event: slow-link, replica: 0, factor: 4}\n");
        var a = sim.Submit(new RequestSpec(0.01, 100, 4));
        var b = sim.Submit(new RequestSpec(0.3, 100, 4));
        sim.Run();
        const double bandwidthPart = 100 * 524288 / 1e9;
        Assert.Equal(0.12 + 0.001 + 4 * bandwidthPart, a.FirstTokenTime, 9);
        Assert.Equal(0.41 + Transfer100, b.FirstTokenTime, 9);
        Assert.Equal(4, (a.FirstTokenTime - 0.12 - 0.001) / (b.FirstTokenTime - 0.41 - 0.001), 9);
        Assert.Equal(2, sim.Metrics.Completed);
    }

    /// <summary>One prefill replica and <paramref name="decode"/> decode replicas of which one serves: the others are slots.</summary>
    private static Simulator WithDecodeSlots(int decode, string yaml)
    {
        var sim = new Simulator(new SimulationOptions
        {
            Replica = TestSupport.Spec(new EngineConfig { MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false }),
            Replicas = 1, DecodeReplicas = decode, KvTransferLink = new LinkSpec("test", 1e9, 0.001), Seed = 1,
            ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001),
        });
        sim.AttachScenario(ScenarioReader.Parse(yaml, "test.yaml"), serving: 1, servingDecode: 1);
        return sim;
    }

    [Fact]
    public void DecodeReplicaAdded_TakesLandingsOnlyOnceItServes()
    {
        // Prefill replica 0, decode replica 1, and decode replica 2 added at 0.05 s with a 0.5 s start-up. A (t 0, 200
        // output tokens, decoding on 1 until past 2 s) and C (t 0.2, its KV lands at 0.3634288) land on replica 1, the
        // only decode replica serving then, although C's would have found 2 empty; B (t 0.6) lands at 0.7634288 on
        // replica 2, now serving and emptier, computes its first token's KV there in 11 ms (2nd token at 0.7744288).
        // Paid for: 2 replicas from 0, 3 from 0.05.
        var sim = WithDecodeSlots(2, "events:\n  - {at: 0.05, event: replica-added, pool: decode, startup_s: 0.5}\n");
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 100, 200));
        var c = sim.Submit(new RequestSpec(0.2, 100, 4));
        var b = sim.Submit(new RequestSpec(0.6, 100, 4));
        sim.AdvanceTo(0.549);
        Assert.Equal(ReplicaPhase.Starting, sim.ReplicaPhases[2]);
        sim.Run();
        Assert.Equal((1, 1, 2), (a.Replica, c.Replica, b.Replica));
        Assert.Equal(0.6 + 0.110 + Transfer100, b.FirstTokenTime, 9);
        Assert.Equal(0.6 + 0.110 + Transfer100 + 0.011, obs.Tokens[b.Id][1], 9);
        Assert.Equal(3, sim.Metrics.Completed);
        Assert.Equal([(0.0, 2, 2), (0.05, 2, 3), (0.55, 3, 3)], sim.ReplicaCounts.Select(p => (Math.Round(p.Time, 9), p.Serving, p.Provisioned)));
        Assert.Equal((2 * 0.05 + 3 * (sim.Metrics.LastFinish - 0.05)) / 3600, sim.GpuHours!.Value, 12);
    }

    [Fact]
    public void DecodePoolAutoscaled_ReadsTheDecodeReplicas_AndAddsOneThere()
    {
        // The policy reads KV use on the decode pool every 0.5 s and adds a decode replica (0.5 s start-up) when any is
        // used. A (t 0) lands on decode replica 1 at 0.1634288, so the look at 0.5 adds replica 2, serving from 1.0;
        // B (t 1.1) lands at 1.2634288 on replica 2, emptier than 1 (A decodes there until past 2 s). The prefill pool
        // is left alone. The CLI's --decode-replicas is where the policy starts.
        const string yaml = "autoscale: {pool: decode, metric: kv, up: 0.000001, down: 0, min_replicas: 1, max_replicas: 2, interval_s: 0.5, up_cooldown_s: 100, down_cooldown_s: 100, startup_s: 0.5}\n";
        Assert.Equal((0, 1), (ScenarioReader.Parse(yaml, "t").ExtraReplicas(1), ScenarioReader.Parse(yaml, "t").ExtraDecodeReplicas(1)));
        var sim = WithDecodeSlots(2, yaml);
        var a = sim.Submit(new RequestSpec(0, 100, 200));
        var b = sim.Submit(new RequestSpec(1.1, 100, 4));
        sim.Run();
        Assert.Equal((1, 2), (a.Replica, b.Replica));
        Assert.Equal([(0.0, 2, 2), (0.5, 2, 3), (1.0, 3, 3)], sim.ReplicaCounts.Take(3).Select(p => (p.Time, p.Serving, p.Provisioned)));
        Assert.Equal(ReplicaPhase.Serving, sim.ReplicaPhases[0]);
    }

    [Theory]
    [InlineData("events:\n  - {at: 1, event: replica-added, pool: decode}\n", "t.yaml:2: 'pool: decode' needs a disaggregated deployment (--decode-replicas).")]
    [InlineData("autoscale: {pool: decode, metric: waiting, up: 4, down: 1, max_replicas: 2}\n", "t.yaml:1: 'pool: decode' needs a disaggregated deployment (--decode-replicas).")]
    public void DecodePool_OnADeploymentWithout_IsRefused_NamingTheFileAndLine(string yaml, string message)
    {
        var sim = new Simulator(new SimulationOptions { Replica = TestSupport.Spec(new EngineConfig { MaxModelLen = 4096 }), Replicas = 2 });
        var e = Assert.Throws<FormatException>(() => sim.AttachScenario(ScenarioReader.Parse(yaml, "t.yaml")));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("events:\n  - {at: 1, event: replica-added, pool: both}\n", "t.yaml:2: 'pool: both' must be prefill or decode.")]
    [InlineData("autoscale: {pool: decode, metric: queue-delay, up: 4, down: 1, max_replicas: 2}\n", "t.yaml:1: 'metric: queue-delay' reads requests not yet admitted")]
    public void BadPool_OneLineNamingTheLine(string yaml, string message)
    {
        var e = Assert.Throws<FormatException>(() => ScenarioReader.Parse(yaml, "t.yaml"));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
