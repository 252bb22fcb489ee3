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

    /// <summary>The exception's type and message for <paramref name="yaml"/> as the --config file, the file's path written FILE.</summary>
    private string ConfigError(string yaml)
    {
        File.WriteAllText(_file, yaml);
        var e = Record.Exception(() => Settings(["--config", _file], []));
        Assert.NotNull(e);
        return $"{e.GetType().Name}: {e.Message.Replace(_file, "FILE", StringComparison.Ordinal)}";
    }

    [Theory]
    [InlineData("grpc-port: 7200\nmetric-port: 7201\n", "ServerUsageException: FILE:2: unknown setting 'metric-port'; did you mean metrics-port? (--help lists them)")]
    [InlineData("colour: red\n", "ServerUsageException: FILE:1: unknown setting 'colour' (--help lists them).")]
    [InlineData("config: other.yaml\n", "ArgumentException: FILE:1: 'config' cannot name another config file.")]
    [InlineData("forecast-score-horizons: [10, 30]\n", "ArgumentException: FILE:1: 'forecast-score-horizons' must be a single value (a list such as forecast-score-horizons is written 10,30,60).")]
    [InlineData("grpc-port: 7200\nlateness:\n  soon: 1\n", "ArgumentException: FILE:3: 'lateness' must be a single value (a list such as forecast-score-horizons is written 10,30,60).")]
    [InlineData("- grpc-port\n", "ArgumentException: FILE:1: the config file must be a mapping of settings (grpc-port: 7200).")]
    [InlineData("# the twin\n\n7200\n", "ArgumentException: FILE:3: the config file must be a mapping of settings (grpc-port: 7200).")]
    [InlineData("grpc-port: 7200\ngrpc-port: 7300\n", "ArgumentException: FILE:2: Duplicate key grpc-port")]
    [InlineData("grpc-port: [7200\n", "ArgumentException: FILE:2: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("grpc-port: 7200\n---\nbogus: [\n", "ArgumentException: FILE:4: While parsing a node, did not find expected node content.")]
    [InlineData("grpc-port: *port\n", "ArgumentException: FILE:1: The anchor 'port' does not exists")]
    [InlineData("# the twin\nlateness: 3\nmetrics-port: *port\n", "ArgumentException: FILE:3: The anchor 'port' does not exists")]
    [InlineData("lateness:\n  soon\n", "ArgumentException: FILE:1: lateness must be a number of seconds, 0 or more (got 'soon').")]
    [InlineData("? [grpc-port]\n: 7200\n", "ServerUsageException: FILE:1: unknown setting '' (--help lists them).")]
    [InlineData("metrics_port: x\n", "ArgumentException: FILE:1: metrics-port must be a TCP port from 1 to 65535 (got 'x').")]
    public void ConfigFile_BadInput_OneLineNamingTheFileAndLine(string yaml, string expected) => Assert.Equal(expected, ConfigError(yaml));

    [Fact]
    public void ConfigFile_NotReadable_OrNotYaml_NamesTheFile()
    {
        Assert.StartsWith("ArgumentException: FILE: not valid YAML (", ConfigError("lateness: {a: 1\r5}\n"));
        var dir = Path.GetTempPath();
        var e = Assert.Throws<ArgumentException>(() => Settings(["--config", dir], []));
        Assert.Equal($"--config / TOKENSIM_CONFIG: cannot read '{dir}': Access to the path '{dir}' is denied.", e.Message);
        e = Assert.Throws<ArgumentException>(() => Settings(["--config", Path.Combine(_file, "server.yaml")], []));
        Assert.Equal($"--config / TOKENSIM_CONFIG: the file '{Path.Combine(_file, "server.yaml")}' does not exist.", e.Message);
    }

    [Fact]
    public void ConfigFile_WhatTheNodeModelTookAsIs_IsStillTaken()
    {
        // An empty file sets nothing; tags are ignored; an alias is its anchor's value; an empty value is unset;
        // a second document is not read.
        File.WriteAllText(_file, "# nothing yet\n");
        Assert.Equal(7100, Settings(["--config", _file], []).GrpcPort);
        File.WriteAllText(_file, "grpc-port: !!int 7200\nlateness: &t 3\nforecast-interval: *t\nredis:\n---\nbogus: 1\n");
        var s = Settings(["--config", _file], []);
        Assert.Equal((7200, 3.0, 3.0, null), (s.GrpcPort, s.LatenessSeconds, s.ForecastIntervalSeconds, s.Redis));
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
