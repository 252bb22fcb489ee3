using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The deployment forecast as one simulation (<see cref="FleetForecaster"/>) from replicas' live states built by hand,
/// on a 10 ms + 1 ms/token step model with one request running at a time: each seed's engine error per replica, a
/// replica added and a router change from live state.
/// </summary>
public sealed class FleetForecastTests
{
    private sealed class Linear : IExecutionTimeModel
    {
        public string Name => "linear";
        public double StepSeconds(in BatchShape shape) => 0.010 + 0.001 * shape.Tokens;
    }

    private static readonly ReplicaSpec Spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-2-7b"), HardwareCatalog.Resolve("a100-80g"),
        new EngineConfig { MaxNumSeqs = 1, MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false });

    /// <summary>2 arrivals/s of 100-token prompts asking 5 tokens, nearly evenly spaced (CV 0.05); each is served in
    /// 110 ms + 4 × 11 ms = 154 ms.</summary>
    private static readonly TrafficEstimate Short = new() { RatePerSecond = 2, WindowSeconds = 30, InterArrivalCv = 0.05, PromptTokens = [100], MaxTokens = [5] };

    private static LiveReplicaState State(int seeds, TrafficEstimate traffic, params ReroutedRequest[] held) => new()
    {
        ClockSeconds = 10, Traffic = traffic, Held = Enumerable.Range(0, seeds).Select(_ => held).ToArray(),
    };

    private static DeploymentForecast Run(string yaml, ForecastSpec spec, params LiveReplicaState[] live) =>
        FleetForecaster.Run("d", spec, ScenarioReader.Parse(yaml, "t.yaml"), Spec, _ => new Linear(), live, replica => (cap, random) => cap);

    private static float Held(ReplicaForecast f, int seed, int step) => f.Running[seed][step] + f.Waiting[seed][step];

    [Fact]
    public void EachSeed_StepsEachReplicaAtItsOwnDrawnCorrection()
    {
        // Replica 0 holds one running request, 10 of its 60 tokens made, its KV resident: 50 more steps of one token,
        // 11 ms each at kernel scale 1 (done at 0.55 s), 22 ms at 2 (1.10 s). Seed 0 drew 1, seed 1 drew 2; replica 1
        // drew the other way round. A mean correction (1.5 for both) would finish every seed at 0.825 s.
        var running = new ReroutedRequest { AtAhead = 0, ArrivalAhead = -1, PromptTokens = 100, OutputTokens = 60, Generated = 10, FirstTokenAhead = -0.5, LastTokenAhead = -0.01, ResidentTokens = 109 };
        var spec = new ForecastSpec { HorizonSeconds = 1.5, StepSeconds = 0.25, Seeds = 2 };
        var r0 = State(2, TrafficEstimate.None, running) with { SeedKernelScales = [1, 2], SeedPrefillStepSeconds = [0, 0] };
        var r1 = State(2, TrafficEstimate.None, running) with { SeedKernelScales = [2, 1], SeedPrefillStepSeconds = [0, 0] };
        var f = Run("events: []\n", spec, r0, r1);
        Assert.Equal([1f, 1f, 0f, 0f, 0f, 0f], f.Replicas[0].Running[0]);
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], f.Replicas[0].Running[1]);
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], f.Replicas[1].Running[0]);
        Assert.Equal([1f, 1f, 0f, 0f, 0f, 0f], f.Replicas[1].Running[1]);
        // TPOT over its 60 tokens: (last − first) / 59, the last at 0.55 or 1.10 s ahead.
        Assert.Equal(new[] { (0.55 + 0.5) / 59, (0.55 + 0.5) / 59, (1.10 + 0.5) / 59, (1.10 + 0.5) / 59 }.Select(x => Math.Round(x, 9)),
            f.Replicas.SelectMany(r => r.TpotSeconds.SelectMany(x => x)).Order().Select(x => Math.Round(x, 9)));
        // Without draws every seed steps at the online correction.
        var online = Run("events: []\n", spec, State(2, TrafficEstimate.None, running) with { KernelScale = 2 }, State(2, TrafficEstimate.None));
        Assert.All(online.Replicas[0].Running, seed => Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], seed));
    }

    [Fact]
    public void ReplicaAdded_FromLiveState_ServesAfterItsStartup_AndIsPaidForFromWhenItWasAdded()
    {
        // Added at 1 s with a 2 s start-up: serving 2, 2, 3, 3, 3, 3 at the steps ending 1 … 6 s, paid for 3 from 1 s.
        // GPU-seconds (TP 1): 2 × 1 + 3 × 5 = 17. The router sends it nothing before 3 s, so no first token there
        // before then; from 3 s it takes a third of the 4 arrivals/s.
        var spec = new ForecastSpec { HorizonSeconds = 6, StepSeconds = 1, Seeds = 2 };
        var f = Run("events:\n  - {at: 1, event: replica-added, startup_s: 2}\n", spec, State(2, Short), State(2, Short));
        Assert.Equal(3, f.Replicas.Length);
        Assert.Equal([false, false, true], f.Replicas.Select(r => r.Added));
        Assert.All(f.ServingReplicas!, seed => Assert.Equal([2f, 2f, 3f, 3f, 3f, 3f], seed));
        Assert.All(f.ProvisionedReplicas!, seed => Assert.Equal([3f, 3f, 3f, 3f, 3f, 3f], seed));
        Assert.All(f.GpuHours!, h => Assert.Equal(17.0 / 3600, h, 12));
        var added = f.Replicas[2];
        Assert.All(Enumerable.Range(0, 3), k => Assert.Empty(added.TtftSeconds[k]));
        Assert.All(Enumerable.Range(3, 3), k => Assert.NotEmpty(added.TtftSeconds[k]));
        Assert.All(added.Running.Concat(added.Waiting), seed => Assert.Equal(0, seed[0] + seed[1]));
    }

    [Fact]
    public void Router_FromLiveState_SendsLaterArrivalsByTheNewRouter()
    {
        // Replica 0 holds 6 requests (200 output tokens, none started: each takes 110 ms + 199 × 11 ms = 2.299 s, so
        // they finish at 2.299, 4.598, 6.897); replica 1 holds none. Under least-outstanding from now, every arrival
        // finds replica 1 emptier (each is served in 154 ms, 0.25 s apart), so replica 0 holds 6, 6, 5, 5, 4, 4 at
        // 1 … 6 s in every seed. Round-robin sends it half the arrivals and its queue grows past 6.
        var queued = Enumerable.Range(0, 6).Select(_ => new ReroutedRequest { AtAhead = 0, ArrivalAhead = -1, PromptTokens = 100, OutputTokens = 200 }).ToArray();
        var spec = new ForecastSpec { HorizonSeconds = 6, StepSeconds = 1, Seeds = 2 };
        var rerouted = Run("events:\n  - {at: 0, event: router, router: least-outstanding}\n", spec, State(2, Short, queued), State(2, Short));
        for (int s = 0; s < 2; s++)
            Assert.Equal([6f, 6f, 5f, 5f, 4f, 4f], Enumerable.Range(0, 6).Select(k => Held(rerouted.Replicas[0], s, k)));
        Assert.Contains(rerouted.Replicas[1].TtftSeconds, k => k.Length > 0);
        var roundRobin = Run("events: []\n", spec, State(2, Short, queued), State(2, Short));
        Assert.All(Enumerable.Range(0, 2), s => Assert.True(Held(roundRobin.Replicas[0], s, 5) > 6, $"seed {s}: replica 0 holds {Held(roundRobin.Replicas[0], s, 5)} at 6 s"));
    }
}
