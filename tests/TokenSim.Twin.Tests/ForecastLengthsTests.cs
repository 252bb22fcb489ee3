using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>A <c>lengths</c> event in a replica's forecast scales the prompts of the arrivals it draws, and nothing else.</summary>
public sealed class ForecastLengthsTests
{
    [Fact]
    public void Lengths_DoubleThePrefillWorkOfTheDrawnArrivals_WhichComeAtTheSameTimes()
    {
        // The same seeds draw the same arrivals (times, which recent request each copies, output lengths) with and
        // without the event; under `prompt: 2` from now on each drawn prompt is twice as long, so the prompt tokens
        // the forks take in are exactly twice as many, from as many arrivals.
        var cfg = new EngineConfig { MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false };
        var live = new Simulator(new SimulationOptions
        {
            Replica = ReplicaSpec.Create(ModelCatalog.Resolve("llama-2-7b"), HardwareCatalog.Resolve("a100-80g"), cfg),
            ExecutionTime = _ => new FixedStepModel(0.02),
        });
        var traffic = new TrafficEstimate { RatePerSecond = 4, WindowSeconds = 30, PromptTokens = [100, 300, 700], MaxTokens = [20, 50, 10] };
        var spec = new ForecastSpec { HorizonSeconds = 20, StepSeconds = 5, Seeds = 3 };
        (long Prompt, long Arrived) Forecast(string? yaml)
        {
            var forks = new List<Simulator>();
            var scenario = yaml is null ? null : ForecastScenario.For(ForecastScenario.Read(yaml, 1), 0, 1);
            ReplicaForecaster.Run(0, 0, spec, traffic, 4096, _ =>
            {
                var fork = live.Clone();
                forks.Add(fork);
                return fork;
            }, (cap, _) => cap, scenario: scenario);
            return (forks.Sum(f => f.Metrics.PromptTokens), forks.Sum(f => f.Metrics.Arrived));
        }
        var without = Forecast(null);
        var scaled = Forecast("events:\n  - {at: 0, event: lengths, prompt: 2}\n");
        Assert.True(without.Arrived > 100, $"{without.Arrived} arrivals over 3 seeds of 20 s at 4/s");
        Assert.Equal(without.Arrived, scaled.Arrived);
        Assert.Equal(2 * without.Prompt, scaled.Prompt);
    }
}
