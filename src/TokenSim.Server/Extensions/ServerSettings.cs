namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's settings as typed values. Each setting is described once in <see cref="ServerOptions"/> (flag,
/// <c>TOKENSIM_*</c> variable, config file key, default, rule); the property initialisers below only give a value to
/// settings built in code and must agree with that table. Cluster shape (<see cref="ClusterSettings"/>) and
/// observability (<see cref="ObservabilitySettings"/>) are grouped apart; docs/operations.md lists them all.
/// </summary>
public sealed record ServerSettings
{
    public int GrpcPort { get; init; } = 7100;
    public int MetricsPort { get; init; } = 7101;
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    /// <summary>When set, every call must carry it in the <c>x-api-key</c> header.</summary>
    public string? ApiKey { get; init; }
    public double LatenessSeconds { get; init; } = 10;
    /// <summary>
    /// A StackExchange.Redis configuration string (e.g. <c>127.0.0.1:6379</c>): the twin's grains persist there, each
    /// batch written before it is acknowledged. Null: in-memory storage, which dies with the process.
    /// </summary>
    public string? Redis { get; init; }
    /// <summary>Role, membership table, addresses, failure detection (<see cref="ClusterSettings"/>).</summary>
    public ClusterSettings Cluster { get; init; } = new();
    /// <summary>Log format and the Orleans Dashboard (<see cref="ObservabilitySettings"/>).</summary>
    public ObservabilitySettings Observability { get; init; } = new();
    /// <summary>The sources file (<c>--sources</c>, <c>TOKENSIM_SOURCES</c>): scrape targets, span rules, deployments to register (docs/vllm.md).</summary>
    public string? Sources { get; init; }
    /// <summary>Orleans' Kubernetes hosting for a silo in a pod (<see cref="KubernetesHostingExtensions"/>).</summary>
    public bool KubernetesHosting { get; init; }
    /// <summary>Wall seconds between the forecasts the server refreshes and exports on its own; 0 = none. Default 5.</summary>
    public double ForecastIntervalSeconds { get; init; } = 5;
    /// <summary>Production seconds between the forecasts each replica scores against later snapshots; 0 = none. Default 1.</summary>
    public double ForecastScoreIntervalSeconds { get; init; } = 1;
    /// <summary>The share of one core the silo's scored forecasts may take (CPU time, a token bucket); beyond it they are skipped. Default 0.25.</summary>
    public double ForecastScoreBudget { get; init; } = 0.25;
    /// <summary>Horizons, in seconds, each scored forecast looks ahead (<c>--forecast-score-horizons 10,30,60</c>). Default 5, 10, 20.</summary>
    public IReadOnlyList<double> ForecastScoreHorizons { get; init; } = [5, 10, 20];
    /// <summary>Request records each replica keeps (<c>--max-records</c>, <c>TOKENSIM_MAX_RECORDS</c>); default 100,000.</summary>
    public int MaxRecords { get; init; } = 100_000;

    /// <summary>Whether the OpenAI gateway runs (<c>--proxy</c>); it needs a sources file (<see cref="GatewaySettings"/>).</summary>
    public bool Proxy { get; init; }
    public int ProxyPort { get; init; } = 7102;

    /// <summary>The settings from <paramref name="config"/>, whose <c>TokenSim:*</c> values <see cref="ServerCommandLine"/> checked; defaults from <see cref="ServerOptions"/>.</summary>
    public static ServerSettings From(IConfiguration config)
    {
        string? Text(ServerOption o) => o.Get<string?>(config) is { } t && !string.IsNullOrWhiteSpace(t) ? t : null;
        var settings = new ServerSettings
        {
            GrpcPort = ServerOptions.GrpcPort.Get<int>(config),
            MetricsPort = ServerOptions.MetricsPort.Get<int>(config),
            SiloPort = ServerOptions.SiloPort.Get<int>(config),
            GatewayPort = ServerOptions.GatewayPort.Get<int>(config),
            ApiKey = ServerOptions.ApiKey.Get<string?>(config) is { Length: > 0 } key ? key : null,
            LatenessSeconds = ServerOptions.Lateness.Get<double>(config),
            Redis = Text(ServerOptions.Redis),
            Cluster = ClusterSettings.From(config),
            Observability = ObservabilitySettings.From(config),
            Sources = Text(ServerOptions.Sources),
            KubernetesHosting = ServerOptions.KubernetesHosting.Get<bool>(config),
            ForecastIntervalSeconds = ServerOptions.ForecastInterval.Get<double>(config),
            ForecastScoreIntervalSeconds = ServerOptions.ForecastScoreInterval.Get<double>(config),
            ForecastScoreBudget = ServerOptions.ForecastScoreBudget.Get<double>(config),
            ForecastScoreHorizons = ServerOptions.ForecastScoreHorizons.Get<double[]>(config),
            MaxRecords = ServerOptions.MaxRecords.Get<int>(config),
            Proxy = ServerOptions.Proxy.Get<bool>(config),
            ProxyPort = ServerOptions.ProxyPort.Get<int>(config),
        };
        if (settings.KubernetesHosting) KubernetesHostingExtensions.Check(settings);
        if (settings.GrpcPort == settings.MetricsPort)
            throw new ArgumentException($"--grpc-port and --metrics-port must differ (both {settings.GrpcPort}): gRPC is HTTP/2-only, metrics HTTP/1.1.");
        return settings;
    }
}
