namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's ports and API key. Each comes from its flag (<c>--grpc-port</c>, <c>--metrics-port</c>,
/// <c>--silo-port</c>, <c>--gateway-port</c>, <c>--api-key</c>, <c>--lateness</c>, <c>--redis</c>, <c>--max-records</c>, <c>--forecast-interval</c>,
/// <c>--forecast-score-interval</c>, <c>--forecast-score-budget</c>, <c>--forecast-score-horizons</c>), else its environment
/// variable (<c>TOKENSIM_GRPC_PORT</c>, …, <c>TOKENSIM_API_KEY</c>, <c>TOKENSIM_LATENESS</c>, <c>TOKENSIM_REDIS</c>),
/// else the default: gRPC on 127.0.0.1:7100, metrics on 127.0.0.1:7101, Orleans silo 11111 and gateway 30000, no key,
/// 10 s lateness, in-memory grain storage. Cluster shape (<see cref="ClusterSettings"/>) and observability
/// (<see cref="ObservabilitySettings"/>) have their own flags; docs/operations.md lists them all.
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

    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["--grpc-port"] = "TokenSim:GrpcPort",
        ["--metrics-port"] = "TokenSim:MetricsPort",
        ["--silo-port"] = "TokenSim:SiloPort",
        ["--gateway-port"] = "TokenSim:GatewayPort",
        ["--api-key"] = "TokenSim:ApiKey",
        ["--lateness"] = "TokenSim:Lateness",
        ["--redis"] = "TokenSim:Redis",
        ["--sources"] = "TokenSim:Sources",
        ["--proxy"] = "TokenSim:Proxy",
        ["--proxy-port"] = "TokenSim:ProxyPort",
        ["--kubernetes-hosting"] = "TokenSim:KubernetesHosting",
        ["--forecast-interval"] = "TokenSim:ForecastInterval",
        ["--forecast-score-interval"] = "TokenSim:ForecastScoreInterval",
        ["--forecast-score-budget"] = "TokenSim:ForecastScoreBudget",
        ["--forecast-score-horizons"] = "TokenSim:ForecastScoreHorizons",
        ["--max-records"] = "TokenSim:MaxRecords",
    }.Concat(ClusterSettings.Flags).Concat(ObservabilitySettings.Flags).ToDictionary();

    public static ServerSettings From(IConfiguration config)
    {
        string? Get(string key, string env) => config[$"TokenSim:{key}"] ?? Environment.GetEnvironmentVariable(env);
        int Port(string key, string flag, string env, int fallback)
        {
            var text = Get(key, env);
            if (text is null) return fallback;
            return int.TryParse(text, out int p) && p is > 0 and < 65536 ? p
                : throw new ArgumentException($"{flag} / {env} must be a TCP port from 1 to 65535 (got '{text}').");
        }
        var lateness = Get("Lateness", "TOKENSIM_LATENESS");
        double latenessSeconds = 10;
        if (lateness is not null && !(double.TryParse(lateness, System.Globalization.CultureInfo.InvariantCulture, out latenessSeconds) && latenessSeconds >= 0))
            throw new ArgumentException($"--lateness / TOKENSIM_LATENESS must be a number of seconds, 0 or more (got '{lateness}').");
        double Seconds(string key, string flag, string env, double fallback, string what = "a number of seconds")
        {
            var text = Get(key, env);
            if (text is null) return fallback;
            return double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out double s) && s >= 0 && double.IsFinite(s) ? s
                : throw new ArgumentException($"{flag} / {env} must be {what}, 0 or more (got '{text}').");
        }
        var key = Get("ApiKey", "TOKENSIM_API_KEY");
        var redis = Get("Redis", "TOKENSIM_REDIS");
        var sources = Get("Sources", "TOKENSIM_SOURCES");
        var records = Get("MaxRecords", "TOKENSIM_MAX_RECORDS");
        int maxRecords = 100_000;
        if (records is not null && !(int.TryParse(records, System.Globalization.CultureInfo.InvariantCulture, out maxRecords) && maxRecords >= 1))
            throw new ArgumentException($"--max-records / TOKENSIM_MAX_RECORDS must be a whole number of records, 1 or more (got '{records}').");
        var horizons = Get("ForecastScoreHorizons", "TOKENSIM_FORECAST_SCORE_HORIZONS");
        var settings = new ServerSettings
        {
            GrpcPort = Port("GrpcPort", "--grpc-port", "TOKENSIM_GRPC_PORT", 7100),
            MetricsPort = Port("MetricsPort", "--metrics-port", "TOKENSIM_METRICS_PORT", 7101),
            SiloPort = Port("SiloPort", "--silo-port", "TOKENSIM_SILO_PORT", 11111),
            GatewayPort = Port("GatewayPort", "--gateway-port", "TOKENSIM_GATEWAY_PORT", 30000),
            ApiKey = string.IsNullOrEmpty(key) ? null : key,
            LatenessSeconds = latenessSeconds,
            Redis = string.IsNullOrWhiteSpace(redis) ? null : redis,
            Cluster = ClusterSettings.From(Get),
            Observability = ObservabilitySettings.From(Get),
            Sources = string.IsNullOrWhiteSpace(sources) ? null : sources,
            KubernetesHosting = KubernetesHostingExtensions.Enabled(Get("KubernetesHosting", "TOKENSIM_KUBERNETES_HOSTING")),
            ForecastIntervalSeconds = Seconds("ForecastInterval", "--forecast-interval", "TOKENSIM_FORECAST_INTERVAL", 5),
            ForecastScoreIntervalSeconds = Seconds("ForecastScoreInterval", "--forecast-score-interval", "TOKENSIM_FORECAST_SCORE_INTERVAL", 1),
            ForecastScoreBudget = Seconds("ForecastScoreBudget", "--forecast-score-budget", "TOKENSIM_FORECAST_SCORE_BUDGET", 0.25, "a share of one core"),
            ForecastScoreHorizons = horizons is null ? [5, 10, 20] : Horizons(horizons),
            MaxRecords = maxRecords,
        };
        if (settings.KubernetesHosting) KubernetesHostingExtensions.Check(settings);
        if (settings.GrpcPort == settings.MetricsPort)
            throw new ArgumentException($"--grpc-port and --metrics-port must differ (both {settings.GrpcPort}): gRPC is HTTP/2-only, metrics HTTP/1.1.");
        return settings;
    }

    /// <summary>A comma-separated list of positive seconds, e.g. <c>10,30,60</c>.</summary>
    private static double[] Horizons(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!(double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]) && values[i] > 0 && double.IsFinite(values[i])))
                throw new ArgumentException($"--forecast-score-horizons / TOKENSIM_FORECAST_SCORE_HORIZONS must be positive seconds separated by commas, e.g. 10,30,60 (got '{text}': '{parts[i]}' is not).");
        return values;
    }
}
