using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A forecast seed's arrivals go into its fork a step at a time (<see cref="ForecastArrivals"/>), not the whole horizon
/// before the first step: the fork holds one step's arrivals, and the forecast is the one all at once gives. The
/// replica has seen 200 requests/s for 60 s (16 prompt and 10 output tokens each, every step 10 ms, 4 at a time).
/// </summary>
public sealed class ForecastArrivalsTests
{
    private const double Step = 0.010, Rate = 200, History = 60;

    private static readonly Lazy<ReplicaShadow> Shadow = new(() => SteadyShadow.Build(Step, Rate, History));

    [Fact]
    public void AStepAtATime_SubmitsOnlyThatStepsArrivals_AndAllOfThemByTheEnd()
    {
        var traffic = Shadow.Value.Traffic with { RateShape = 0, TrendStdErr = 0, ElapsedSeconds = 0 };
        var spec = new ForecastSpec { HorizonSeconds = 20, StepSeconds = 1, Seeds = 1 };
        Simulator Fork() => new(new SimulationOptions
        {
            Replica = DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 5000, MaxModelLen = 4096, MaxNumSeqs = 4 }),
            Replicas = 1, ExecutionTime = _ => new FixedStepModel(Step),
        });
        var sim = Fork();
        var stepwise = new ForecastArrivals(sim, 0, spec, traffic, 4096, (cap, _) => Math.Min(cap, 10), new SimRandom(7), null, null);
        int before = 0;
        for (int k = 1; k <= 20; k++)
        {
            stepwise.SubmitThrough(k);
            Assert.True(stepwise.LastSubmittedSeconds <= k, $"step {k}: an arrival at {stepwise.LastSubmittedSeconds} s went in before its step");
            // 200 requests/s with gamma gaps of the learned (near 0) variation: about 200 a step, never the horizon's 4,000.
            Assert.InRange(stepwise.Submitted - before, 150, 250);
            before = stepwise.Submitted;
            sim.AdvanceTo(k);
        }
        var whole = new ForecastArrivals(Fork(), 0, spec, traffic, 4096, (cap, _) => Math.Min(cap, 10), new SimRandom(7), null, null);
        whole.SubmitThrough(double.PositiveInfinity);
        Assert.Equal(whole.Submitted, stepwise.Submitted);
        Assert.Equal(whole.LastSubmittedSeconds, stepwise.LastSubmittedSeconds);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void StepwiseArrivals_GiveTheForecastThatAllAtOnceGives(double multiplier)
    {
        // Rerouted = [] takes the path that submits the whole horizon first (it re-routes nothing).
        var spec = new ForecastSpec { HorizonSeconds = 20, StepSeconds = 1, Seeds = 4, TrafficMultiplier = multiplier };
        var stepwise = Shadow.Value.Forecast(spec);
        var whole = Shadow.Value.Forecast(spec with { Rerouted = [] });
        Assert.True(stepwise.Running.Sum(s => s.Sum()) > 0);
        ForecastAssert.Same(whole, stepwise);
    }
}
