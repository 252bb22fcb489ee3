namespace TokenSim.Emulator.Tests;

/// <summary>--kv-events-config as vLLM reads it, and vLLM's endpoint rules per data-parallel rank.</summary>
public class KvEventsConfigTests
{
    [Fact]
    public void Defaults_AreVllms_AndEventsAreOffUnlessEnabled()
    {
        var c = KvEventsConfig.Parse("""{"enable_kv_cache_events": true}""")!;
        Assert.Equal(("tcp://*:5557", null, 10_000, 100_000, 100_000, ""), (c.Endpoint, c.ReplayEndpoint, c.BufferSteps, c.Hwm, c.MaxQueueSize, c.Topic));
        Assert.Null(KvEventsConfig.Parse("{}"));
        Assert.Null(KvEventsConfig.Parse("""{"enable_kv_cache_events": true, "publisher": "null"}"""));
    }

    [Theory]
    [InlineData("""{"enable_kv_cache_events": "yes"}""", "enable_kv_cache_events")]
    [InlineData("""{"publisher": "kafka"}""", "publisher")]
    [InlineData("""{"buffer_steps": 0}""", "buffer_steps")]
    [InlineData("""{"hwm": "many"}""", "hwm")]
    [InlineData("""{"endpoint": "tcp://*"}""", "endpoint")]
    [InlineData("""{"replay_endpoint": "ipc:///tmp/kv"}""", "replay_endpoint")]
    [InlineData("""{"topics": "x"}""", "topics")]
    [InlineData("""{"enable_kv_cache_events": true""", "not valid JSON")]
    public void BadInput_IsAOneLineErrorNamingTheField(string json, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => KvEventsConfig.Parse(json));
        Assert.StartsWith("--kv-events-config: ", e.Message);
        Assert.Contains(named, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("tcp://*:5557", 0, "tcp://*:5557")]
    [InlineData("tcp://*:5557", 2, "tcp://*:5559")]
    [InlineData("tcp://twin:6000", 1, "tcp://twin:6001")]
    [InlineData("inproc://cache", 3, "inproc://cache_dp3")]
    public void EachRank_GetsThePortPlusItsRank(string endpoint, int rank, string expected) =>
        Assert.Equal(expected, KvEventsConfig.ForRank(endpoint, rank));

    [Theory]
    [InlineData("tcp://*:5557", true)]
    [InlineData("tcp://[::]:5557", true)]
    [InlineData("inproc://cache", true)]
    [InlineData("tcp://twin:5557", false)]
    [InlineData("tcp://0.0.0.0:5557", false)]
    public void Wildcards_Bind_AndNamedHostsAreConnectedTo(string endpoint, bool binds) =>
        Assert.Equal(binds, KvEventsConfig.Binds(endpoint));
}
