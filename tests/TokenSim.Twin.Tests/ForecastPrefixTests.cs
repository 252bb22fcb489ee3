using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A forecast's new arrivals hit the prefix cache as production's did, on the blocks that hold that prefix. Every
/// request's 1,024-token prompt starts with the same 960-token system prompt (60 blocks of 16) and ends with 64 tokens
/// of its own (4 blocks); it asks for 10 tokens (1 more block). Every step lasts 10 ms, 4 sequences at a time, 20
/// requests/s for 60 s: a request holds its slot for 11 steps, so about 2 run at a time (Little's law), and they
/// share the system prompt's 60 blocks, each holding 5 of its own.
/// </summary>
public sealed class ForecastPrefixTests
{
    private const int Blocks = 5000, SharedTokens = 960, OwnTokens = 64;

    [Fact]
    public void DrawnArrivals_HitTheSharedPrefix_AndHoldItsBlocksOnce()
    {
        var shadow = new ReplicaShadow(0,
            DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = Blocks, MaxModelLen = 4096, MaxNumSeqs = 4 }),
            _ => new FixedStepModel(0.010), new ShadowOptions());
        for (int i = 0; i < 1200; i++)
        {
            var ids = new int[SharedTokens + OwnTokens];
            for (int k = 0; k < ids.Length; k++) ids[k] = k < SharedTokens ? k + 1 : 100_000 + i * OwnTokens + k;
            Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(new RequestArrived
            {
                EventId = $"r{i}", Replica = 0, TimeSeconds = i / 20.0, RequestId = $"r{i}",
                PromptTokens = ids.Length, MaxTokens = 10, PromptTokenIds = ids,
            }));
            if (i % 100 == 99) shadow.PredictPending();
        }
        shadow.PredictPending();
        // Production's requests hit the whole system prompt; the last one, just arrived, is not admitted yet (0).
        var cached = shadow.Traffic.CachedPromptTokens;
        Assert.All(cached[..^1], c => Assert.Equal(SharedTokens, c));
        Assert.Equal(0, cached[^1]);

        var f = shadow.Forecast(new ForecastSpec { HorizonSeconds = 20, StepSeconds = 1, Seeds = 4 });
        var steps = ForecastSummary.Of(f)[2..];
        double running = steps.Average(s => s.Running.Expected), kv = steps.Average(s => s.KvUsage.Expected) * Blocks;
        Assert.InRange(running, 1.5, 2.5);
        // Shared: the system prompt's 60 blocks once, 5 per running request. Each drawn arrival prefilling its whole
        // prompt on blocks of its own would hold 69 per running request (about 140 blocks here). A copy of the last
        // request (not admitted, so no hit known: 1 of the window's arrivals) does hold 60 blocks more.
        Assert.InRange(kv, 5 * running, SharedTokens / 16 + 6 * running + SharedTokens / 16.0 * running / cached.Length);
    }
}
