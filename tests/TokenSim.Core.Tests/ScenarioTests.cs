using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>Scenario events worked out by hand on the linear step model (10 ms + 1 ms per token).</summary>
public class ScenarioTests
{
    private static readonly EngineConfig OneAtATime = new() { MaxNumSeqs = 1, MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false };

    private static Scenario Yaml(string yaml) => ScenarioReader.Parse(yaml, "test.yaml");

    [Fact]
    public void ReplicaLost_ItsRequestsJoinTheSurvivorsQueues_AsRoundRobinSendsThem_AndPrefillAgain()
    {
        // Three replicas, one request running at a time. Nine long requests at t=0, round-robin: replica k holds
        // requests k, k+3, k+6 (1 running, 2 waiting). At t=1 replica 0 is lost. The router has routed 9 requests,
        // so its next picks over the two survivors [1, 2] are 9 mod 2 = 1 → replica 2, 10 mod 2 = 0 → replica 1,
        // 11 mod 2 = 1 → replica 2: replica 1's queue grows by 1 (2 → 3), replica 2's by 2 (2 → 4).
        var sim = TestSupport.Linear(OneAtATime, replicas: 3);
        sim.AttachScenario(Yaml("events:\n  - {at: 1, event: replica-lost, replica: 0}\n"));
        var rs = Enumerable.Range(0, 9).Select(_ => sim.Submit(new RequestSpec(0, 100, 500))).ToArray();
        sim.AdvanceTo(0.999);
        Assert.All(sim.Replicas, r => Assert.Equal(2, r.Waiting.Count));
        var running0 = sim.Replicas[0].Running.Single();
        int generated = running0.Generated;
        Assert.True(generated > 1);
        sim.AdvanceTo(1.0);
        long tokensThere = sim.Replicas[0].TokensGenerated;
        Assert.Equal(0, sim.Replicas[0].Outstanding);
        Assert.Equal(0, sim.Replicas[0].Kv.UsedBlocks);
        Assert.Equal(3, sim.Replicas[1].Waiting.Count);
        Assert.Equal(4, sim.Replicas[2].Waiting.Count);
        Assert.Equal(2, running0.Replica);
        Assert.Equal(0, running0.NumComputed); // its prompt and generated tokens are computed again
        Assert.Equal(generated, running0.Generated);
        Assert.Equal(ReplicaPhase.Lost, sim.ReplicaPhases[0]);
        sim.Run();
        Assert.Equal(9, sim.Metrics.Completed);
        Assert.All(rs, r => Assert.Equal(500, r.Generated));
        Assert.Equal(tokensThere, sim.Replicas[0].TokensGenerated); // its step in flight at t=1 produced nothing
        Assert.DoesNotContain(rs, r => r.Replica == 0);
    }

    [Fact]
    public void ReplicaLost_WithFail_AbortsItsRequests_AndLeavesTheSurvivorsAlone()
    {
        var sim = TestSupport.Linear(OneAtATime, replicas: 3);
        sim.AttachScenario(Yaml("events:\n  - {at: 1, event: replica-lost, replica: 0, requests: fail}\n"));
        for (int i = 0; i < 9; i++) sim.Submit(new RequestSpec(0, 100, 500));
        sim.AdvanceTo(1.0);
        Assert.Equal([0, 2, 2], sim.Replicas.Select(r => r.Waiting.Count));
        sim.Run();
        Assert.Equal(3, sim.Metrics.Aborted);
        Assert.Equal(6, sim.Metrics.Completed);
    }

    [Fact]
    public void Straggler_StretchesOnlyItsOwnReplicasSteps_ByTheFactor_WhileItLasts()
    {
        // Two replicas, one request each (100 prompt, 60 output). Prefill 10 + 100 = 110 ms, decodes 11 ms. Replica 1
        // is a 3× straggler from 0.2 s to 0.5 s: its steps that start in that window take 33 ms, every other step
        // (and every step of replica 0) 11 ms.
        var sim = TestSupport.Linear(OneAtATime, replicas: 2);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        sim.AttachScenario(Yaml("events:\n  - {at: 0.2, until: 0.5, event: straggler, replica: 1, factor: 3}\n"));
        var a = sim.Submit(new RequestSpec(0, 100, 60));
        var b = sim.Submit(new RequestSpec(0, 100, 60));
        sim.Run();
        Assert.Equal(0, a.Replica);
        Assert.Equal(1, b.Replica);
        var ta = obs.Tokens[a.Id];
        var tb = obs.Tokens[b.Id];
        Assert.All(ta.Zip(ta.Skip(1)), p => Assert.Equal(0.011, p.Second - p.First, 9));
        Assert.All(tb.Zip(tb.Skip(1)), p => Assert.Equal(p.First >= 0.2 - 1e-12 && p.First < 0.5 ? 0.033 : 0.011, p.Second - p.First, 9));
        // Steps starting at 0.209 + 0.033 k for k = 0..9 are slow (the last starts at 0.506 > 0.5 is not): 9 of them.
        int slow = tb.Zip(tb.Skip(1)).Count(p => p.Second - p.First > 0.02);
        Assert.Equal(9, slow);
        Assert.Equal(0.011, a.TpotSeconds, 9);
        Assert.Equal((59 * 0.011 + 9 * 0.022) / 59, b.TpotSeconds, 9);
    }

    [Fact]
    public void Straggler_DecodeRunsSkippingSteps_GiveTheSameTimes_AsExactSteps()
    {
        double Last(bool exact)
        {
            var sim = new Simulator(new SimulationOptions
            {
                Replica = TestSupport.Spec(OneAtATime), Replicas = 2, ExactSteps = exact,
                ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001),
            });
            sim.AttachScenario(Yaml("events:\n  - {at: 0.2, until: 0.5, event: straggler, replica: 1, factor: 3}\n"));
            var r = new[] { sim.Submit(new RequestSpec(0, 100, 60)), sim.Submit(new RequestSpec(0, 100, 60)) };
            sim.Run();
            return r[1].LastTokenTime;
        }
        Assert.Equal(Last(true), Last(false), 12);
        Assert.Equal(0.110 + 50 * 0.011 + 9 * 0.033, Last(false), 9);
    }

    [Fact]
    public void RateSpike_QueueGrowsByTheExcess_ThenDrainsAtServiceMinusArrivalRate()
    {
        // One replica, one request at a time, 10 prompt + 10 output tokens: prefill 20 ms then 9 decodes of 11 ms,
        // a request every 119 ms: μ = 1/0.119 = 8.40 req/s. Arrivals every 0.2 s (λ = 5/s), ×4 from 10 s to 15 s.
        // By 10 s all 50 arrivals are served (each in 0.119 < 0.2 s). From 10 s to 15 s, 100 arrive (every 50 ms)
        // plus the one at 15 s, and ⌊5 / 0.119⌋ = 42 finish with one running: 101 − 42 − 1 = 58 waiting.
        // After the spike the queue falls at μ − λ = 3.40 req/s.
        const double service = 0.020 + 9 * 0.011, lambda = 5;
        var sim = TestSupport.Linear(OneAtATime);
        sim.AttachScenario(Yaml("events:\n  - {at: 10, until: 15, event: rate, multiplier: 4}\n"));
        sim.AttachWorkload(new TraceWorkloadSource(Enumerable.Range(0, 600).Select(i => new RequestSpec(i / lambda, 10, 10))));
        sim.AdvanceTo(9.99);
        Assert.Equal(0, sim.Replicas[0].Waiting.Count);
        sim.AdvanceTo(15);
        int atEnd = sim.Replicas[0].Waiting.Count;
        Assert.InRange(atEnd, 57, 58);
        sim.AdvanceTo(25);
        double drain = (atEnd - sim.Replicas[0].Waiting.Count) / 10.0;
        Assert.Equal(1 / service - lambda, drain, 1);
        // Empty after (58 + 1) / 3.40 ≈ 17.3 s.
        double empty = 15 + (atEnd + 1) / (1 / service - lambda);
        sim.AdvanceTo(empty - 1);
        Assert.True(sim.Replicas[0].Waiting.Count > 0);
        sim.AdvanceTo(empty + 1);
        Assert.Equal(0, sim.Replicas[0].Waiting.Count);
    }

    [Fact]
    public void ReplicaAdded_ServesNothingBeforeItsStartupDelay()
    {
        // Llama-2-7B weights, 6,738,415,616 parameters × 2 bytes = 13.48 GB, read at 7.45 GB/s (the drive; PCIe 4.0 at
        // 32 GB/s is faster) = 1.81 s, plus 14 s of graph capture: 15.81 s.
        var spec = TestSupport.Spec(OneAtATime);
        double startup = StartupDelay.Seconds(spec);
        Assert.Equal(6_738_415_616 * 2 / 7.45e9 + 14, startup, 1);
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 2, ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001) });
        sim.AttachScenario(Yaml("events:\n  - {at: 1, event: replica-added}\n"), serving: 1);
        sim.AttachWorkload(new TraceWorkloadSource(Enumerable.Range(0, 400).Select(i => new RequestSpec(i * 0.1, 50, 20))));
        sim.AdvanceTo(1 + startup - 0.01);
        Assert.Equal(ReplicaPhase.Starting, sim.ReplicaPhases[1]);
        Assert.Equal(0, sim.Replicas[1].TokensGenerated + sim.Replicas[1].Outstanding);
        sim.AdvanceTo(1 + startup + 1);
        Assert.Equal(ReplicaPhase.Serving, sim.ReplicaPhases[1]);
        Assert.True(sim.Replicas[1].Outstanding + sim.Replicas[1].TokensGenerated > 0);
        sim.Run();
        Assert.Equal(400, sim.Metrics.Completed);
        // Paid for: one replica from 0, the second from 1 s (starting counts), to the last finish.
        Assert.Equal((sim.Metrics.LastFinish + (sim.Metrics.LastFinish - 1)) / 3600, sim.GpuHours!.Value, 9);
    }

    [Fact]
    public void KvLoss_TakesTheFractionOfBlocks_AndGivesThemBackAtItsEnd()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxModelLen = 1024, AsyncScheduling = false, EnablePrefixCaching = false, KvBlocks = 101 });
        sim.AttachScenario(Yaml("events:\n  - {at: 1, until: 2, event: kv-loss, replica: 0, fraction: 0.5}\n"));
        sim.AdvanceTo(1);
        Assert.Equal(50, sim.Replicas[0].Kv.UsedBlocks); // 100 usable blocks (vLLM keeps block 0)
        sim.AdvanceTo(2);
        Assert.Equal(0, sim.Replicas[0].Kv.UsedBlocks);
    }

    [Fact]
    public void SlowLink_OnATp1Replica_KeepsTheStepTimesAndTheModelsCorrection()
    {
        // A TP 1 replica crosses no link in a step, so slower links leave its steps as they were, corrected ones
        // included. Its model carries a correction set after the simulator was built, as the twin's calibration sets
        // it (kernel scale 2): prefill of 100 tokens 2 × 110 ms, decodes 2 × 11 ms. The request arrives at 0.05, after
        // the event: first token at 0.27, the 10th at 0.27 + 9 × 0.022 = 0.468. (Rebuilt from the simulator's factory,
        // the model lost its correction and stepped at 0.209 s.)
        var sim = new Simulator(new SimulationOptions
        {
            Replica = TestSupport.Spec(OneAtATime), ExecutionTime = _ => new CorrectedExecutionTimeModel(new LinearExecutionTimeModel(0.01, 0.001)),
        });
        ((CorrectedExecutionTimeModel)sim.ExecutionTimeOf(0)).Correction = new StepCorrection { KernelScale = 2 };
        sim.AttachScenario(Yaml("events:\n  - {at: 0, until: 10, event: slow-link, replica: 0, factor: 8}\n"));
        var r = sim.Submit(new RequestSpec(0.05, 100, 10));
        sim.Run();
        Assert.Equal(0.05 + 0.220, r.FirstTokenTime, 9);
        Assert.Equal(0.05 + 0.220 + 9 * 0.022, r.LastTokenTime, 9);
    }

    [Fact]
    public void Lengths_ScaleThePromptsAndOutputsOfArrivalsInTheWindow_ByTheirFactors()
    {
        // 100 requests of 100 prompt and 10 output tokens, one every 0.1 s; prompts ×1.5 and outputs ×2 for arrivals
        // in [2, 4): the 20 arriving at 2.0, 2.1, …, 3.9. Prefill work: 80 × 100 + 20 × 150 = 11,000 tokens (+1,000);
        // tokens generated: 80 × 10 + 20 × 20 = 1,200 (+200).
        var sim = TestSupport.Linear(OneAtATime, replicas: 2);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        sim.AttachScenario(Yaml("events:\n  - {at: 2, until: 4, event: lengths, prompt: 1.5, output: 2}\n"));
        sim.AttachWorkload(new TraceWorkloadSource(Enumerable.Range(0, 100).Select(i => new RequestSpec(i / 10.0, 100, 10))));
        sim.Run();
        Assert.Equal(100, sim.Metrics.Completed);
        Assert.Equal(0, sim.Metrics.Preemptions);
        Assert.Equal(11_000, sim.Metrics.PromptTokens);
        Assert.Equal(11_000, sim.Replicas.Sum(r => r.PromptTokensServed));
        Assert.Equal(1_200, sim.Replicas.Sum(r => r.TokensGenerated));
        Assert.All(obs.Finished, r =>
        {
            bool scaled = r.ArrivalTime >= 2 && r.ArrivalTime < 4;
            Assert.Equal(scaled ? (150, 20) : (100, 10), (r.PromptTokens, r.OutputTokens));
        });
        Assert.Equal(20, obs.Finished.Count(r => r.PromptTokens == 150));
    }

    [Fact]
    public void Router_RoutesOnlyLaterArrivals_ByTheNewRouter()
    {
        // Two replicas, round-robin: A (1,000 output tokens) → 0, B (10) → 1, which finishes at 0.209. At 0.5 the
        // router becomes least-outstanding. Four short requests at 1.0, 1.1, 1.2, 1.3 (each done in 64 ms) each find
        // replica 0 holding A and replica 1 empty: all go to 1. Without the change round-robin sends them 0, 1, 0, 1.
        int[] Replicas(string yaml)
        {
            var sim = TestSupport.Linear(OneAtATime, replicas: 2);
            if (yaml.Length > 0) sim.AttachScenario(Yaml(yaml));
            var a = sim.Submit(new RequestSpec(0, 100, 1000));
            var b = sim.Submit(new RequestSpec(0, 100, 10));
            var later = Enumerable.Range(0, 4).Select(i => sim.Submit(new RequestSpec(1 + i / 10.0, 10, 5))).ToArray();
            sim.Run();
            Assert.Equal(6, sim.Metrics.Completed);
            return [a.Replica, b.Replica, .. later.Select(r => r.Replica)];
        }
        Assert.Equal([0, 1, 0, 1, 0, 1], Replicas(""));
        Assert.Equal([0, 1, 1, 1, 1, 1], Replicas("events:\n  - {at: 0.5, event: router, router: least-outstanding}\n"));
    }

    [Fact]
    public void AClone_CarriesTheScenario_AndContinuesExactlyAsTheOriginal()
    {
        var sim = TestSupport.Linear(OneAtATime, replicas: 3);
        sim.AttachScenario(Yaml("events:\n  - {at: 0.5, event: replica-lost, replica: 0}\n  - {at: 1, until: 3, event: straggler, replica: 1, factor: 2}\n"));
        sim.AttachWorkload(new TraceWorkloadSource(Enumerable.Range(0, 200).Select(i => new RequestSpec(i * 0.02, 50, 30))));
        sim.AdvanceTo(0.7);
        var fork = sim.Clone();
        sim.Run();
        fork.Run();
        Assert.Equal(sim.Metrics.LastFinish, fork.Metrics.LastFinish);
        Assert.Equal(sim.Metrics.Tpot.Mean, fork.Metrics.Tpot.Mean);
        Assert.Equal(ReplicaPhase.Lost, fork.ReplicaPhases[0]);
    }

    [Theory]
    [InlineData("events:\n  - {at: 5, event: replica-lsot, replica: 1}\n", "test.yaml:2: unknown event 'replica-lsot' (did you mean 'replica-lost'?)")]
    [InlineData("events:\n  - {at: 5, until: 4, event: straggler, replica: 1, factor: 2}\n", "test.yaml:2: 'until: 4' must be after 'at: 5'.")]
    [InlineData("events:\n  - at: 5\n    event: straggler\n    replica: 1\n    factr: 2\n", "test.yaml:5: 'straggler' takes no 'factr' (did you mean 'factor'?)")]
    [InlineData("events:\n  - {at: 5, event: kv-loss, replica: 0, fraction: 2}\n", "test.yaml:2: 'fraction' must be 0 to 1 (got 2).")]
    [InlineData("autoscale: {up: 1, down: 2, max_replicas: 3}\n", "test.yaml:1: autoscale 'down' (2) must be below 'up' (1)")]
    public void BadScenario_OneLineNamingFileAndLine(string yaml, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Yaml(yaml));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
