using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica fed a steady stream by hand, for forecast tests whose answers are worked out on paper: every step lasts
/// <c>step</c> seconds, 4 sequences at a time, every request 16 prompt and 10 output tokens, arriving at
/// <c>rate</c> a second for <c>history</c> seconds, its predictions made every 100 arrivals.
/// </summary>
internal static class SteadyShadow
{
    public static ReplicaShadow Build(double step, double rate, double history)
    {
        var shadow = new ReplicaShadow(0,
            DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 5000, MaxModelLen = 4096, MaxNumSeqs = 4 }),
            _ => new FixedStepModel(step), new ShadowOptions());
        int n = (int)(history * rate);
        for (int i = 0; i < n; i++)
        {
            string id = $"r{i}";
            Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(new RequestArrived
            {
                EventId = id, Replica = 0, TimeSeconds = i / rate, RequestId = id, PromptTokens = 16, MaxTokens = 10,
            }));
            if (i % 100 == 99) shadow.PredictPending();
        }
        shadow.PredictPending();
        return shadow;
    }
}
