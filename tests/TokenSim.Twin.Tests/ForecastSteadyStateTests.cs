using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Forecasts of a replica whose every step lasts 10 ms, 4 sequences at a time, every request 16 prompt tokens and
/// 10 output tokens: a request produces its tokens in 10 steps (its prompt and first token in one, then 9 decodes) and,
/// with vLLM V1's async scheduling, holds its slot for one more schedule (docs/accuracy.md), so the replica serves
/// 4 / (11 × 10 ms) = 36.4 requests/s. It has seen 20 requests/s for 300 s.
/// </summary>
public sealed class ForecastSteadyStateTests
{
    private const double Step = 0.010, Rate = 20, Capacity = 4 / (11 * Step), History = 300;

    private static readonly Lazy<ReplicaShadow> Shadow = new(() => SteadyShadow.Build(Step, Rate, History));

    [Fact]
    public void LearnedTraffic_IsTheSteadyRate()
    {
        var t = Shadow.Value.Traffic;
        Assert.InRange(t.RatePerSecond, Rate * 0.95, Rate * 1.05);
        Assert.Equal(0, t.TrendPerSecond2);
        Assert.InRange(t.ElapsedSeconds, History - 1, History);
    }

    [Fact]
    public void BelowCapacity_QueueSettles_RunningByLittlesLaw()
    {
        // 20 req/s against 36.4: nothing waits, and by Little's law 20 req/s × 0.1 to 0.11 s = 2 to 2.2 requests run.
        var f = Shadow.Value.Forecast(new ForecastSpec { HorizonSeconds = 20, StepSeconds = 1, Seeds = 4 });
        var steps = ForecastSummary.Of(f);
        foreach (var s in steps[5..])
        {
            Assert.InRange(s.Waiting.Expected, 0, 0.5);
            Assert.InRange(s.Running.Expected, 0, 4);
        }
        double meanRunning = steps[5..].Average(s => s.Running.Expected);
        Assert.InRange(meanRunning, 1.5, 2.5);
        Assert.Equal(0, ForecastSummary.KvExhaustion(f).Probability);
        // Every first token comes in the request's first step: TTFT is one step, TPOT one step per token.
        Assert.All(steps, s => Assert.InRange(s.Tpot.P50!.Value, Step * 0.99, Step * 1.2));
    }

    [Fact]
    public void AboveCapacity_QueueGrowsWithoutBound_AtArrivalsMinusService()
    {
        // ×3: 60 req/s against 36.4, so the queue grows by 23.6 a second: 236 at 10 s, 473 at 20 s; all 4 slots busy.
        // The learned traffic taken as known (no posterior to draw the rate from, no age to draw a stop from), so the
        // seeds differ only in their gamma gaps and this is the queue's arithmetic.
        var known = Shadow.Value.Traffic with { RateShape = 0, TrendStdErr = 0, ElapsedSeconds = 0 };
        var f = Shadow.Value.Forecast(new ForecastSpec { HorizonSeconds = 20, StepSeconds = 1, Seeds = 4, TrafficMultiplier = 3, Traffic = known });
        var steps = ForecastSummary.Of(f);
        double growth = 3 * Rate - Capacity;
        Assert.InRange(steps[9].Waiting.Expected, growth * 10 * 0.95, growth * 10 * 1.05);
        Assert.InRange(steps[19].Waiting.Expected, growth * 20 * 0.95, growth * 20 * 1.05);
        Assert.All(steps[1..], s => Assert.Equal(4, s.Running.Expected));
        Assert.True(steps[19].Waiting.P90 >= steps[19].Waiting.Expected);
    }

    [Fact]
    public void NoTraffic_InFlightWorkDrains()
    {
        var f = Shadow.Value.Forecast(new ForecastSpec { HorizonSeconds = 2, StepSeconds = 0.5, Seeds = 2, TrafficMultiplier = 0 });
        var steps = ForecastSummary.Of(f);
        // Whatever ran at the clock finishes within 10 steps (0.1 s); nothing new comes.
        Assert.All(steps, s => Assert.Equal((0.0, 0.0), (s.Running.Expected, s.Waiting.Expected)));
    }

    [Fact]
    public void Spread_OverMoreReplicas_DividesTheRate()
    {
        var learned = Shadow.Value.Traffic;
        var spread = TrafficShare.Spread([learned, learned], 4);
        Assert.Equal(learned.RatePerSecond / 2, spread.RatePerSecond, 9);
        Assert.Equal(learned.ElapsedSeconds, spread.ElapsedSeconds);
        Assert.Equal(2 * learned.PromptTokens.Length, spread.PromptTokens.Length);
    }
}
