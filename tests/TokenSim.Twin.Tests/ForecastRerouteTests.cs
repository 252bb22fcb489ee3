using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica lost in a forecast from live state hands its requests to a survivor's fork of the same seed, where they
/// queue and prefill again: worked by hand on a 10 ms + 1 ms/token step model, one request running at a time.
/// </summary>
public sealed class ForecastRerouteTests
{
    private sealed class Linear : IExecutionTimeModel
    {
        public string Name => "linear";
        public double StepSeconds(in BatchShape shape) => 0.010 + 0.001 * shape.Tokens;
    }

    private const double Clock = 0.5;

    /// <summary>
    /// A replica's live state at 0.5 s: three requests (100 prompt, 60 output) arrived at 0. The first prefills in
    /// 110 ms (first token at 0.110) and decodes a token every 11 ms, so it has produced 36 (the 36th at 0.495; the
    /// step from 0.495 is in flight) and finishes at 0.759; the other two wait.
    /// </summary>
    private static Simulator Live()
    {
        var cfg = new EngineConfig { MaxNumSeqs = 1, MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false };
        var sim = new Simulator(new SimulationOptions
        {
            Replica = ReplicaSpec.Create(ModelCatalog.Resolve("llama-2-7b"), HardwareCatalog.Resolve("a100-80g"), cfg),
            ExecutionTime = _ => new Linear(),
        });
        for (int i = 0; i < 3; i++) sim.Submit(new RequestSpec(0, 100, 60));
        sim.AdvanceTo(Clock);
        return sim;
    }

    private static ReplicaForecast Forecast(int replica, string yaml, ReroutedRequest[][]? rerouted = null)
    {
        var live = Live();
        var spec = new ForecastSpec { HorizonSeconds = 5, StepSeconds = 0.25, Seeds = 2, Scenario = yaml, ScenarioReplicas = 2, Rerouted = rerouted };
        var scenario = ForecastScenario.For(ForecastScenario.Read(yaml, 2), replica, 2);
        // No learned traffic: no new arrivals, only the live requests and the re-routed ones.
        return ReplicaForecaster.Run(replica, Clock, spec, TrafficEstimate.None, 4096, _ => live.Clone(), (cap, _) => cap, scenario: scenario);
    }

    [Fact]
    public void LostNow_HandsOverItsRequests_AndTheSurvivorsQueueGrowsByThem_ThenDrainsAtTheComputedTimes()
    {
        const string yaml = "events:\n  - {at: 0, event: replica-lost, replica: 0}\n";
        var lost = Forecast(0, yaml);
        Assert.All(lost.Running.Concat(lost.Waiting), seed => Assert.All(seed, x => Assert.Equal(0, x)));
        Assert.Equal(2, lost.Evacuated.Length);
        foreach (var seed in lost.Evacuated)
        {
            // Running first (36 tokens produced; the step in flight at the loss is void), then the two waiting.
            Assert.Equal([36, 0, 0], seed.Select(r => r.Generated));
            Assert.All(seed, r => Assert.Equal((0.0, -Clock, 100, 60), (r.AtAhead, r.ArrivalAhead, r.PromptTokens, r.OutputTokens)));
            Assert.Equal(0.110 - Clock, seed[0].FirstTokenAhead, 9);
            Assert.Equal(0.495 - Clock, seed[0].LastTokenAhead, 9);
        }

        var baseline = Forecast(1, yaml);
        var survivor = Forecast(1, yaml, lost.Evacuated);
        for (int s = 0; s < 2; s++)
        {
            // At 0.75 s its own first request still runs (to 0.759): 2 waiting without the loss, 2 + 3 with it.
            Assert.Equal((1f, 2f), (baseline.Running[s][0], baseline.Waiting[s][0]));
            Assert.Equal((1f, 5f), (survivor.Running[s][0], survivor.Waiting[s][0]));
            Assert.Equal((0f, 0f), (survivor.Running[s][^1], survivor.Waiting[s][^1]));
        }
        // One at a time, each 759 ms (110 ms prefill + 59 × 11 ms): its own finish at 0.759, 1.518, 2.277; then the
        // re-routed one prefills its 100 + 36 tokens (146 ms, its 37th token at 2.423) and decodes 23 more (2.676);
        // the two that never ran get their first tokens at 2.786 and 3.545, counted from their arrival at 0.
        var ttft = survivor.TtftSeconds.SelectMany(x => x).Distinct().Order().ToArray();
        Assert.Equal([0.869, 1.628, 2.786, 3.545], ttft.Select(x => Math.Round(x, 9)));
        Assert.Equal(8, survivor.TtftSeconds.Sum(x => x.Length)); // 4 per seed: the re-routed running one has its first token already
        Assert.Equal(12, survivor.TpotSeconds.Sum(x => x.Length));
        // Its TPOT spans the loss: (2.676 − 0.110) / 59.
        Assert.Equal((2.676 - 0.110) / 59, survivor.TpotSeconds.SelectMany(x => x).Max(), 9);
        Assert.Empty(survivor.Evacuated);
    }

    [Fact]
    public void LostWithFail_HandsOverNothing()
    {
        var lost = Forecast(0, "events:\n  - {at: 0, event: replica-lost, replica: 0, requests: fail}\n");
        Assert.Empty(lost.Evacuated);
        Assert.All(lost.Running, seed => Assert.All(seed, x => Assert.Equal(0, x)));
    }

    [Fact]
    public void LostLater_HandsOverWhatItHoldsThen()
    {
        // Lost 1 s ahead (at 1.5 s): its first request finished at 0.759 and the second (from 0.759, first token at
        // 0.869) has produced 1 + ⌊(1.5 − 0.869) / 0.011⌋ = 58 tokens, the 58th at 1.496; the third waits.
        var lost = Forecast(0, "events:\n  - {at: 1, event: replica-lost, replica: 0}\n");
        Assert.All(lost.Evacuated, seed =>
        {
            Assert.Equal([58, 0], seed.Select(r => r.Generated));
            Assert.All(seed, r => Assert.Equal(1, r.AtAhead, 9));
            Assert.Equal(0.869 - Clock, seed[0].FirstTokenAhead, 9);
        });
    }
}
