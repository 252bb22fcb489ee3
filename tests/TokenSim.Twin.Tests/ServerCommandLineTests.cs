using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TokenSim.Server.Extensions;

namespace TokenSim.Twin.Tests;

/// <summary>One description per setting: the config file, TOKENSIM_* variables and flags layer over its defaults.</summary>
public sealed class ServerCommandLineTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tokensim-server-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_file);

    private static ServerSettings Settings(string[] args, Dictionary<string, string> env) =>
        ServerSettings.From(new ConfigurationBuilder().AddTokenSimServer(args, name => env.GetValueOrDefault(name)).Build());

    [Fact]
    public void NothingGiven_EveryDefaultFromTheTable()
    {
        var s = Settings([], []);
        Assert.Equal((7100, 7101, 11111, 30000, 7102), (s.GrpcPort, s.MetricsPort, s.SiloPort, s.GatewayPort, s.ProxyPort));
        Assert.Equal((10.0, 100_000, 5.0, 1.0, 0.25), (s.LatenessSeconds, s.MaxRecords, s.ForecastIntervalSeconds, s.ForecastScoreIntervalSeconds, s.ForecastScoreBudget));
        Assert.Equal([5.0, 10, 20], s.ForecastScoreHorizons);
        Assert.Equal((ServerRole.Both, "tokensim", 5.0, 3, 30.0), (s.Cluster.Role, s.Cluster.ClusterId, s.Cluster.ProbeTimeoutSeconds, s.Cluster.MissedProbes, s.Cluster.ResponseTimeoutSeconds));
        Assert.Equal((null, null, null, false, false, false), (s.ApiKey, s.Redis, s.Sources, s.Proxy, s.KubernetesHosting, s.Observability.JsonLogs));
    }

    [Fact]
    public void FlagOverVariableOverFile_LastRepeatedFlagWins()
    {
        File.WriteAllText(_file, "grpc-port: 7200\nmetrics_port: 7201\nlateness: 3\nrole: silo\nforecast-score-horizons: 10,30\n");
        var s = Settings(["--config", _file, "--lateness", "4", "--lateness=5"], new() { ["TOKENSIM_METRICS_PORT"] = "7301", ["TOKENSIM_LATENESS"] = "9" });
        Assert.Equal((7200, 7301, 5.0, ServerRole.Silo), (s.GrpcPort, s.MetricsPort, s.LatenessSeconds, s.Cluster.Role));
        Assert.Equal([10.0, 30], s.ForecastScoreHorizons);
        // The file may come from its variable too.
        Assert.Equal(7200, Settings([], new() { ["TOKENSIM_CONFIG"] = _file }).GrpcPort);
    }

    [Fact]
    public void BadVariable_NamesFlagAndVariable_EmptyRedisIsUnset()
    {
        var e = Assert.Throws<ArgumentException>(() => Settings([], new() { ["TOKENSIM_MISSED_PROBES"] = "0" }));
        Assert.Equal("--missed-probes / TOKENSIM_MISSED_PROBES must be a whole number from 1 to 100 (got '0').", e.Message);
        Assert.Null(Settings([], new() { ["TOKENSIM_REDIS"] = "", ["TOKENSIM_API_KEY"] = "" }).Redis);
    }

    [Fact]
    public void BadValueInTheFile_IsAnError_EvenWhereAFlagOverridesIt()
    {
        File.WriteAllText(_file, "grpc-port: 7200\nlateness: soon\n");
        var e = Assert.Throws<ArgumentException>(() => Settings(["--config", _file, "--lateness", "4"], []));
        Assert.Equal($"{_file}:2: lateness must be a number of seconds, 0 or more (got 'soon').", e.Message);
    }

    [Fact]
    public void Demo_IsASwitch_AndTakesAnExplicitValue()
    {
        Assert.True(Settings(["--demo", "--grpc-port", "7200"], []).Demo);
        Assert.False(Settings(["--demo=false"], []).Demo);
        Assert.True(Settings([], new() { ["TOKENSIM_DEMO"] = "true" }).Demo);
    }

    [Fact]
    public async Task Options_AreValidatedWhenTheHostStarts()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddTokenSimServer(["--grpc-port", "7300", "--metrics-port", "7300"], _ => null);
        builder.Services.AddTokenSimServerOptions();
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal("--grpc-port and --metrics-port must differ (both 7300): gRPC is HTTP/2-only, metrics HTTP/1.1.", e.Message);
    }

    [Theory]
    [InlineData("grpc-prot", "grpc-port")]
    [InlineData("metric-port", "metrics-port")]
    [InlineData("forecast-intervall", "forecast-interval")]
    [InlineData("reddis", "redis")]
    [InlineData("everything-else", null)]
    public void Closest_SuggestsOnlyNearNames(string typed, string? expected) => Assert.Equal(expected, ServerOptions.Closest(typed));
}
