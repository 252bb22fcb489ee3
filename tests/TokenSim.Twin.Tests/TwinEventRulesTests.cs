using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The stateless event rules, in the one place the ingest path applies them (the deployment grain, as events enter):
/// each broken rule is one reason naming the contract's field, and a valid event passes.
/// </summary>
public sealed class TwinEventRulesTests
{
    // A 2-replica deployment of a 4,096-token model with 16-token KV blocks.
    private static readonly TwinEventRules Rules = new("llama", replicas: 2, maxModelLen: 4096, blockSize: 16);

    private static RequestArrived Arrived(int promptTokens = 100, int maxTokens = 50, double time = 1765100000.5, int replica = 1, long[]? hashes = null) =>
        new() { EventId = "e1", Replica = replica, TimeSeconds = time, RequestId = "r1", PromptTokens = promptTokens, MaxTokens = maxTokens, PrefixBlockHashes = hashes };

    [Fact]
    public void AValidArrival_Passes_WithItsHashesUpToTheBlocksItFills()
    {
        Assert.Null(Rules.Check(Arrived()));
        // 100 tokens fill 7 blocks of 16 (the last one partly): 7 hashes are allowed, 8 are not.
        Assert.Null(Rules.Check(Arrived(hashes: new long[7])));
        Assert.Equal("request_arrived.prefix_block_hashes has 8 hashes; a 100-token prompt fills at most 7 blocks of 16 tokens", Rules.Check(Arrived(hashes: new long[8])));
    }

    [Fact]
    public void EachBrokenRule_IsOneReasonNamingTheField()
    {
        Assert.Equal("produced_at is missing", Rules.Check(Arrived(time: double.NaN)));
        Assert.Equal("produced_at is not a finite time", Rules.Check(Arrived(time: double.PositiveInfinity)));
        Assert.Equal("replica 2 is outside 0..1 of deployment 'llama'", Rules.Check(Arrived(replica: 2)));
        Assert.Equal("request_arrived.max_tokens must be at least 1 (got 0)", Rules.Check(Arrived(maxTokens: 0)));
        Assert.Equal("request_arrived.prompt_tokens 4096 leaves no room for output in the model's 4096-token context", Rules.Check(Arrived(promptTokens: 4096)));
        Assert.Equal($"event_id must be 1 to {TwinEventRules.MaxEventIdLength} characters", Rules.Check(Arrived() with { EventId = "" }));
    }
}
