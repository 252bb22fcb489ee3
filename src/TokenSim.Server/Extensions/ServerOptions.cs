namespace TokenSim.Server.Extensions;

/// <summary>
/// Every server setting, in the order <c>--help</c> lists them: its flag, <c>TOKENSIM_*</c> variable and config file
/// key (<see cref="ServerCommandLine"/>), its rule (<see cref="ServerSettingsValidator"/>), how it is read into
/// <see cref="ServerSettings"/> (<see cref="ServerSettingsBinder"/>) and where its default is: the settings' own
/// property initialisers, the one place a default is written.
/// </summary>
public static class ServerOptions
{
    private const string PortRule = "must be a TCP port from 1 to 65535";
    private const string BoolRule = "must be true or false";
    private const string IdRule = "must be 1 to 64 letters, digits, '-', '_' or '.'";
    private const string IpRule = "must be an IP address such as 10.0.0.5 or 0.0.0.0";
    private const string RedisRule = "must be a Redis configuration such as 127.0.0.1:6379";

    public static readonly ServerOption Config = new("config", "FILE", "must be a file",
        "a YAML file of these settings, keyed by flag name without the dashes (grpc-port: 7200)", t => t.Length > 0 ? t : null, _ => null);
    public static readonly ServerOption GrpcPort = new("grpc-port", "PORT", PortRule, "the gRPC port (HTTP/2 only)", ServerOptionRules.Port, s => s.GrpcPort);
    public static readonly ServerOption MetricsPort = new("metrics-port", "PORT", PortRule,
        "the HTTP/1.1 port: /metrics, OTLP/HTTP, /sources/*, the dashboard", ServerOptionRules.Port, s => s.MetricsPort);
    public static readonly ServerOption SiloPort = new("silo-port", "PORT", PortRule, "the Orleans silo-to-silo port", ServerOptionRules.Port, s => s.SiloPort);
    public static readonly ServerOption GatewayPort = new("gateway-port", "PORT", PortRule,
        "the Orleans gateway port front ends connect to", ServerOptionRules.Port, s => s.GatewayPort);
    public static readonly ServerOption ApiKey = new("api-key", "KEY", "must be text",
        "every call must carry it in the x-api-key header", t => t, s => s.ApiKey);
    public static readonly ServerOption Lateness = new("lateness", "SECONDS", "must be a number of seconds, 0 or more",
        "how late an event may arrive behind a replica's clock and still be applied", t => ServerOptionRules.Number(t, 0, double.PositiveInfinity), s => s.LatenessSeconds);
    public static readonly ServerOption Redis = new("redis", "CONFIG", RedisRule,
        "persist the twin's grains to this Redis (StackExchange.Redis configuration); unset: in memory", ServerOptionRules.RedisConfig, s => s.Redis);
    public static readonly ServerOption MaxRecords = new("max-records", "N", "must be a whole number of records, 1 or more",
        "request records each replica keeps", t => ServerOptionRules.Whole(t, 1, int.MaxValue), s => s.MaxRecords);
    public static readonly ServerOption Sources = new("sources", "FILE", "must be a file",
        "vLLM sources: scrape targets, span rules, deployments (docs/vllm.md)", t => t, s => s.Sources);
    public static readonly ServerOption Proxy = new("proxy", "BOOL", BoolRule,
        "serve the OpenAI gateway in front of the sources file's openai URLs", ServerOptionRules.Bool, s => s.Proxy);
    public static readonly ServerOption ProxyPort = new("proxy-port", "PORT", PortRule, "the OpenAI gateway's port", ServerOptionRules.Port, s => s.ProxyPort);
    public static readonly ServerOption Demo = new("demo", "BOOL", BoolRule,
        "the twin in one command: an emulated production of two replicas under a steady load feeds it (docs/twin.md)", ServerOptionRules.Bool, s => s.Demo);
    public static readonly ServerOption Role = new("role", "ROLE", "must be both, silo or frontend",
        "both (silo and gRPC front end), silo, or frontend", ServerOptionRules.Role, s => s.Cluster.Role);
    public static readonly ServerOption ClusterRedis = new("cluster-redis", "CONFIG", RedisRule,
        "the cluster's membership table in this Redis; unset: localhost clustering, one silo", ServerOptionRules.RedisConfig, s => s.Cluster.ClusterRedis);
    public static readonly ServerOption ClusterId = new("cluster-id", "ID", IdRule, "Orleans cluster id", ServerOptionRules.Id, s => s.Cluster.ClusterId);
    public static readonly ServerOption ServiceId = new("service-id", "ID", IdRule,
        "Orleans service id (grain storage is keyed by it)", ServerOptionRules.Id, s => s.Cluster.ServiceId);
    public static readonly ServerOption AdvertiseIp = new("advertise-ip", "IP", IpRule,
        "the address a silo gives the others to reach it", ServerOptionRules.Ip, s => s.Cluster.AdvertiseIp);
    public static readonly ServerOption Bind = new("bind", "IP", IpRule, "the address the gRPC and HTTP ports listen on", ServerOptionRules.Ip, s => s.Cluster.Bind);
    public static readonly ServerOption ProbeTimeout = new("probe-timeout", "SECONDS", "must be a number of seconds above 0, at most 600",
        "how long a silo waits for a probe's answer", t => ServerOptionRules.Number(t, double.Epsilon, 600), s => s.Cluster.ProbeTimeoutSeconds);
    public static readonly ServerOption MissedProbes = new("missed-probes", "N", "must be a whole number from 1 to 100",
        "missed probes before a silo votes another dead", t => ServerOptionRules.Whole(t, 1, 100), s => s.Cluster.MissedProbes);
    public static readonly ServerOption ResponseTimeout = new("response-timeout", "SECONDS", "must be a number of seconds from 1 to 3600",
        "how long a grain call may go unanswered", t => ServerOptionRules.Number(t, 1, 3600), s => s.Cluster.ResponseTimeoutSeconds);
    public static readonly ServerOption KubernetesHosting = new("kubernetes-hosting", "BOOL", BoolRule,
        "Orleans' Kubernetes hosting for a silo in a pod", ServerOptionRules.Bool, s => s.KubernetesHosting);
    public static readonly ServerOption LogFormat = new("log-format", "FORMAT", "must be simple or json",
        "console logs as text (simple) or one JSON object a line (json)", t => t switch { "simple" => false, "json" => true, _ => null },
        s => s.Observability.JsonLogs ? "json" : "simple");
    public static readonly ServerOption Dashboard = new("dashboard", "PATH", "must be a path such as /dashboard: leading '/', no trailing '/', not /metrics",
        "serve the Orleans Dashboard under this path of the HTTP port", ServerOptionRules.DashboardPath, s => s.Observability.DashboardPath);
    public static readonly ServerOption ForecastInterval = new("forecast-interval", "SECONDS", "must be a number of seconds, 0 or more",
        "wall seconds between the forecasts the server refreshes and exports; 0: none", t => ServerOptionRules.Number(t, 0, double.PositiveInfinity), s => s.ForecastIntervalSeconds);
    public static readonly ServerOption ForecastScenario = new("forecast-scenario", "FILE", "must be a scenario file (docs/scenarios.md)",
        "a scenario each refreshed forecast also runs, exported with and without it (tokensim_forecast_scenario_*, docs/scenarios.md)", t => t, s => s.ForecastScenario);
    public static readonly ServerOption ForecastScoreInterval = new("forecast-score-interval", "SECONDS", "must be a number of seconds, 0 or more",
        "production seconds between the forecasts each replica scores; 0: none", t => ServerOptionRules.Number(t, 0, double.PositiveInfinity), s => s.ForecastScoreIntervalSeconds);
    public static readonly ServerOption ForecastScoreBudget = new("forecast-score-budget", "SHARE", "must be a share of one core, 0 or more",
        "the share of one core scored forecasts may take", t => ServerOptionRules.Number(t, 0, double.PositiveInfinity), s => s.ForecastScoreBudget);
    public static readonly ServerOption ForecastScoreHorizons = new("forecast-score-horizons", "SECONDS,...", "must be positive seconds separated by commas, e.g. 10,30,60",
        "horizons each scored forecast looks ahead", ServerOptionRules.Horizons, s => s.ForecastScoreHorizons);
    public static readonly ServerOption ForecastsOffTurn = new("forecasts-off-turn", "BOOL", BoolRule,
        "run forecasts' seeds on threads of their own, off the replica's turn, so acknowledgements do not wait for them (docs/operations.md)", ServerOptionRules.Bool, s => s.ForecastsOffTurn);
    public static readonly ServerOption ForecastNiceness = new("forecast-niceness", "N", "must be a whole number from 0 to 19",
        "Linux niceness of the threads forecasts run on off the turn; above 0 ingest gets a contended core first (docs/operations.md)",
        t => ServerOptionRules.Whole(t, 0, 19), s => s.ForecastNiceness);

    public static readonly IReadOnlyList<ServerOption> All =
    [
        Config, GrpcPort, MetricsPort, Bind, ApiKey, Role, SiloPort, GatewayPort, Redis, ClusterRedis, ClusterId, ServiceId,
        AdvertiseIp, ProbeTimeout, MissedProbes, ResponseTimeout, KubernetesHosting, Lateness, MaxRecords, Sources, Proxy,
        ProxyPort, Demo, LogFormat, Dashboard, ForecastInterval, ForecastScenario, ForecastScoreInterval, ForecastScoreBudget, ForecastScoreHorizons,
        ForecastsOffTurn, ForecastNiceness,
    ];

    /// <summary>The option named <paramref name="name"/> (without dashes; '_' and '-' alike), or null.</summary>
    public static ServerOption? Find(string name) => All.FirstOrDefault(o => o.Name == name.Replace('_', '-'));

    /// <summary>
    /// The known name nearest <paramref name="name"/> by edit distance, when it is near enough to be a slip, else the
    /// one it extends (<c>redis-url</c> → <c>redis</c>).
    /// </summary>
    public static string? Closest(string name)
    {
        var best = All.Select(o => (o.Name, Distance: ServerOptionRules.Edits(name, o.Name))).MinBy(x => x.Distance);
        if (best.Distance <= Math.Max(2, name.Length / 3)) return best.Name;
        return All.Where(o => name.StartsWith(o.Name + "-", StringComparison.Ordinal)).MaxBy(o => o.Name.Length)?.Name;
    }
}
