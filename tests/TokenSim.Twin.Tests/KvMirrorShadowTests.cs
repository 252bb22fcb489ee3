using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Kv;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica shadow whose prefix hits follow a mirrored real cache. Every step lasts 10 ms and a step takes at most
/// 2,048 tokens, so a 5,000-token prompt needs 3 prefill steps (2,048 + 2,048 + 904: first token at 30 ms), and 1
/// when the real cache holds its first 4,096 tokens (256 blocks of 16: 904 left, first token at 10 ms).
/// </summary>
public sealed class KvMirrorShadowTests
{

    private static readonly int[] Prompt = [.. Enumerable.Range(0, 5000)];

    private static ReplicaShadow NewShadow(KvCacheMirror? mirror) => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec
        {
            Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 2000, MaxModelLen = 8192, MaxNumBatchedTokens = 2048, EnablePrefixCaching = true,
        }),
        _ => new FixedStepModel(0.010), new ShadowOptions()) { Mirror = mirror, OriginUnixSeconds = 1000 };

    /// <summary>The real engine stored the prompt's first 256 blocks at Unix time <paramref name="at"/>, in one chain.</summary>
    private static KvCacheMirror MirrorHolding(double at)
    {
        var mirror = new KvCacheMirror();
        var hashes = Enumerable.Range(1, 256).Select(i => (ulong)i).ToArray();
        mirror.Apply(new KvMirrorBatch(0, at, [new KvMirrorEvent(KvMirrorEventKind.BlockStored, hashes, null, KvBlockContent.Keys(Prompt.AsSpan(0, 4096), 256, 16))]));
        return mirror;
    }

    private static RequestAccuracy Predict(ReplicaShadow shadow)
    {
        var e = new RequestArrived
        {
            // Production's Unix time: 1 s after the deployment's origin.
            EventId = "a", Replica = 0, TimeSeconds = 1001, RequestId = "r", PromptTokens = Prompt.Length, MaxTokens = 4,
            PromptTokenIds = Prompt,
        };
        Assert.Equal(EventOutcome.Applied, shadow.Apply(e));
        return Assert.Single(shadow.Requests);
    }

    [Fact]
    public void RealCacheHoldingThePrefix_MakesItAHit()
    {
        var r = Predict(NewShadow(MirrorHolding(at: 1000.5)));
        Assert.Equal(4096, r.RealCachedPromptTokens);
        Assert.Equal(0.010, r.PredictedTtftSeconds!.Value, 9);
    }

    [Fact]
    public void EmptyRealCache_OrBlocksStoredAfterTheArrival_AreMisses()
    {
        var empty = new KvCacheMirror();
        empty.Apply(new KvMirrorBatch(0, 1000, []));
        var miss = Predict(NewShadow(empty));
        Assert.Equal(0, miss.RealCachedPromptTokens);
        Assert.Equal(0.030, miss.PredictedTtftSeconds!.Value, 9);
        // Stored at 1001.5, after the arrival at origin 1000 + 1 s: the request's own blocks, say, not a hit it had.
        var later = Predict(NewShadow(MirrorHolding(at: 1001.5)));
        Assert.Equal(0, later.RealCachedPromptTokens);
        Assert.Equal(0.030, later.PredictedTtftSeconds!.Value, 9);
    }

    [Fact]
    public void WithoutMirror_TheSimulatedCacheDecides()
    {
        var r = Predict(NewShadow(null));
        Assert.Null(r.RealCachedPromptTokens);
        Assert.Equal(0.030, r.PredictedTtftSeconds!.Value, 9);
    }

    [Fact]
    public void MalformedTokenIds_AreRejected()
    {
        var shadow = NewShadow(MirrorHolding(0));
        var e = new RequestArrived
        {
            EventId = "a", Replica = 0, TimeSeconds = 1, RequestId = "r", PromptTokens = 10, MaxTokens = 4, PromptTokenIds = [1, 2, 3],
        };
        var outcome = shadow.Apply(e);
        Assert.Equal(EventOutcomeKind.Invalid, outcome.Kind);
        Assert.Contains("prompt_token_ids has 3 ids for 10 prompt_tokens", outcome.Reason);
    }
}
