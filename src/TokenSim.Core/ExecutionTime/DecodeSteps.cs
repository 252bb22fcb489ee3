using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>Helpers for <see cref="IExecutionTimeModel.DecodeStepSeconds"/>: the shapes of a decode segment's steps.</summary>
public static class DecodeSteps
{
    /// <summary>Each step of the segment through <see cref="IExecutionTimeModel.StepSeconds"/>: what every model's override must equal.</summary>
    public static void OneByOne(IExecutionTimeModel model, in BatchShape first, Span<double> seconds)
    {
        var s = first;
        for (int i = 0; i < seconds.Length; i++)
        {
            seconds[i] = model.StepSeconds(s);
            Advance(ref s);
        }
    }

    /// <summary>The next step of a decode segment: every sequence one token further on.</summary>
    public static void Advance(ref BatchShape s)
    {
        s.DecodeContext += s.DecodeCount;
        s.DecodeAboveMeanContext += s.DecodeAboveMean;
    }

    /// <summary>Whether <paramref name="s"/> runs decodes only, one token each (the shape a decode run's steps have).</summary>
    public static bool IsDecodeOnly(in BatchShape s) =>
        s.Tokens > 0 && s.PrefillTokens == 0 && s.PrefillCount == 0 && s.PrefillContext == 0 && s.PrefillAttentionPairs == 0
        && s.DecodeCount == s.Tokens;
}
