using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Tests;

/// <summary>Two forecasts that must be the same one: every per-step series, the scalars and what they were made with.</summary>
internal static class ForecastAssert
{
    public static void Same(ReplicaForecast expected, ReplicaForecast actual)
    {
        Assert.Equal(expected.ClockSeconds, actual.ClockSeconds);
        Assert.Equal(expected.Running, actual.Running);
        Assert.Equal(expected.Waiting, actual.Waiting);
        Assert.Equal(expected.KvUsage, actual.KvUsage);
        Assert.Equal(expected.TtftSeconds, actual.TtftSeconds);
        Assert.Equal(expected.TpotSeconds, actual.TpotSeconds);
        Assert.Equal(expected.KvExhaustedSeconds, actual.KvExhaustedSeconds);
        Assert.Equal(expected.SimulatedSteps, actual.SimulatedSteps);
        Assert.Equal(expected.Calibration, actual.Calibration);
        Assert.Equal(expected.StepCorrection, actual.StepCorrection);
        Assert.Equal(expected.Widening, actual.Widening);
        Assert.Equal(expected.Traffic.PromptTokens, actual.Traffic.PromptTokens);
    }
}
