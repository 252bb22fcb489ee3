using System.Globalization;
using System.Net;
using System.Text;

namespace TokenSim.Server.Extensions;

/// <summary>
/// Every server setting, in the order <c>--help</c> lists them. Flags, <c>TOKENSIM_*</c> variables, the config file,
/// validation and the defaults all come from this table (<see cref="ServerCommandLine"/>, <see cref="ServerSettings.From"/>).
/// </summary>
public static class ServerOptions
{
    private const string PortRule = "must be a TCP port from 1 to 65535";
    private const string BoolRule = "must be true or false";

    public static readonly ServerOption Config = new("config", "FILE", null, "must be a file",
        "a YAML file of these settings, keyed by flag name without the dashes (grpc-port: 7200)", t => t.Length > 0 ? t : null);
    public static readonly ServerOption GrpcPort = new("grpc-port", "PORT", "7100", PortRule, "the gRPC port (HTTP/2 only)", Port);
    public static readonly ServerOption MetricsPort = new("metrics-port", "PORT", "7101", PortRule, "the HTTP/1.1 port: /metrics, OTLP/HTTP, /sources/*, the dashboard", Port);
    public static readonly ServerOption SiloPort = new("silo-port", "PORT", "11111", PortRule, "the Orleans silo-to-silo port", Port);
    public static readonly ServerOption GatewayPort = new("gateway-port", "PORT", "30000", PortRule, "the Orleans gateway port front ends connect to", Port);
    public static readonly ServerOption ApiKey = new("api-key", "KEY", null, "must be text",
        "every call must carry it in the x-api-key header", t => t);
    public static readonly ServerOption Lateness = new("lateness", "SECONDS", "10", "must be a number of seconds, 0 or more",
        "how late an event may arrive behind a replica's clock and still be applied", t => Number(t, 0, double.PositiveInfinity));
    public static readonly ServerOption Redis = new("redis", "CONFIG", null, "must be a Redis configuration such as 127.0.0.1:6379",
        "persist the twin's grains to this Redis (StackExchange.Redis configuration); unset: in memory", RedisConfig);
    public static readonly ServerOption MaxRecords = new("max-records", "N", "100000", "must be a whole number of records, 1 or more",
        "request records each replica keeps", t => Whole(t, 1, int.MaxValue));
    public static readonly ServerOption Sources = new("sources", "FILE", null, "must be a file",
        "vLLM sources: scrape targets, span rules, deployments (docs/vllm.md)", t => t);
    public static readonly ServerOption Proxy = new("proxy", "BOOL", "false", BoolRule,
        "serve the OpenAI gateway in front of the sources file's openai URLs", Bool);
    public static readonly ServerOption ProxyPort = new("proxy-port", "PORT", "7102", PortRule, "the OpenAI gateway's port", Port);
    public static readonly ServerOption Role = new("role", "ROLE", "both", "must be both, silo or frontend",
        "both (silo and gRPC front end), silo, or frontend", t => t switch
        {
            "both" => ServerRole.Both,
            "silo" => ServerRole.Silo,
            "frontend" => ServerRole.Frontend,
            _ => null,
        });
    public static readonly ServerOption ClusterRedis = new("cluster-redis", "CONFIG", null, "must be a Redis configuration such as 127.0.0.1:6379",
        "the cluster's membership table in this Redis; unset: localhost clustering, one silo", RedisConfig);
    public static readonly ServerOption ClusterId = new("cluster-id", "ID", "tokensim", "must be 1 to 64 letters, digits, '-', '_' or '.'",
        "Orleans cluster id", Id);
    public static readonly ServerOption ServiceId = new("service-id", "ID", "tokensim", "must be 1 to 64 letters, digits, '-', '_' or '.'",
        "Orleans service id (grain storage is keyed by it)", Id);
    public static readonly ServerOption AdvertiseIp = new("advertise-ip", "IP", "127.0.0.1", "must be an IP address such as 10.0.0.5 or 0.0.0.0",
        "the address a silo gives the others to reach it", Ip);
    public static readonly ServerOption Bind = new("bind", "IP", "127.0.0.1", "must be an IP address such as 10.0.0.5 or 0.0.0.0",
        "the address the gRPC and HTTP ports listen on", Ip);
    public static readonly ServerOption ProbeTimeout = new("probe-timeout", "SECONDS", "5", "must be a number of seconds above 0, at most 600",
        "how long a silo waits for a probe's answer", t => Number(t, double.Epsilon, 600));
    public static readonly ServerOption MissedProbes = new("missed-probes", "N", "3", "must be a whole number from 1 to 100",
        "missed probes before a silo votes another dead", t => Whole(t, 1, 100));
    public static readonly ServerOption ResponseTimeout = new("response-timeout", "SECONDS", "30", "must be a number of seconds from 1 to 3600",
        "how long a grain call may go unanswered", t => Number(t, 1, 3600));
    public static readonly ServerOption KubernetesHosting = new("kubernetes-hosting", "BOOL", "false", BoolRule,
        "Orleans' Kubernetes hosting for a silo in a pod", Bool);
    public static readonly ServerOption LogFormat = new("log-format", "FORMAT", "simple", "must be simple or json",
        "console logs as text (simple) or one JSON object a line (json)", t => t switch { "simple" => false, "json" => true, _ => null });
    public static readonly ServerOption Dashboard = new("dashboard", "PATH", null, "must be a path such as /dashboard: leading '/', no trailing '/', not /metrics",
        "serve the Orleans Dashboard under this path of the HTTP port", DashboardPath);
    public static readonly ServerOption ForecastInterval = new("forecast-interval", "SECONDS", "5", "must be a number of seconds, 0 or more",
        "wall seconds between the forecasts the server refreshes and exports; 0: none", t => Number(t, 0, double.PositiveInfinity));
    public static readonly ServerOption ForecastScoreInterval = new("forecast-score-interval", "SECONDS", "1", "must be a number of seconds, 0 or more",
        "production seconds between the forecasts each replica scores; 0: none", t => Number(t, 0, double.PositiveInfinity));
    public static readonly ServerOption ForecastScoreBudget = new("forecast-score-budget", "SHARE", "0.25", "must be a share of one core, 0 or more",
        "the share of one core scored forecasts may take", t => Number(t, 0, double.PositiveInfinity));
    public static readonly ServerOption ForecastScoreHorizons = new("forecast-score-horizons", "SECONDS,...", "5,10,20",
        "must be positive seconds separated by commas, e.g. 10,30,60", "horizons each scored forecast looks ahead", Horizons);

    public static readonly IReadOnlyList<ServerOption> All =
    [
        Config, GrpcPort, MetricsPort, Bind, ApiKey, Role, SiloPort, GatewayPort, Redis, ClusterRedis, ClusterId, ServiceId,
        AdvertiseIp, ProbeTimeout, MissedProbes, ResponseTimeout, KubernetesHosting, Lateness, MaxRecords, Sources, Proxy,
        ProxyPort, LogFormat, Dashboard, ForecastInterval, ForecastScoreInterval, ForecastScoreBudget, ForecastScoreHorizons,
    ];

    /// <summary>The option named <paramref name="name"/> (without dashes; '_' and '-' alike), or null.</summary>
    public static ServerOption? Find(string name) => All.FirstOrDefault(o => o.Name == name.Replace('_', '-'));

    /// <summary>
    /// The known name nearest <paramref name="name"/> by edit distance, when it is near enough to be a slip, else the
    /// one it extends (<c>redis-url</c> → <c>redis</c>).
    /// </summary>
    public static string? Closest(string name)
    {
        var best = All.Select(o => (o.Name, Distance: Edits(name, o.Name))).MinBy(x => x.Distance);
        if (best.Distance <= Math.Max(2, name.Length / 3)) return best.Name;
        return All.Where(o => name.StartsWith(o.Name + "-", StringComparison.Ordinal)).MaxBy(o => o.Name.Length)?.Name;
    }

    public static string HelpText()
    {
        var text = new StringBuilder("""
            Usage: TokenSim.Server [--FLAG VALUE | --FLAG=VALUE]...

            The TokenSim digital-twin server. Each setting is a flag, a TOKENSIM_* environment variable, or a key of the
            --config YAML file; a flag overrides the variable, the variable the file. TOKENSIM_DEBUG=1 prints the stack of
            a startup failure. docs/operations.md describes them.


            """);
        foreach (var o in All)
        {
            string head = $"  {o.Flag} {o.Value}";
            text.Append(head.PadRight(36));
            if (head.Length >= 36) text.Append('\n').Append(new string(' ', 36));
            text.Append(o.Help).Append(o.Default is { } d ? $" (default {d})" : "").Append(" [").Append(o.Env).Append("]\n");
        }
        text.Append("  --help, -h".PadRight(36)).Append("this text\n");
        return text.ToString();
    }

    private static int Edits(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    private static object? Port(string t) => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536 ? p : null;

    private static object? Whole(string t, int min, int max) =>
        int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max ? n : null;

    private static object? Number(string t, double min, double max) =>
        double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) && x >= min && x <= max ? x : null;

    private static object? Bool(string t) => t.ToLowerInvariant() switch
    {
        "" or "false" or "0" => false,
        "true" or "1" => true,
        _ => null,
    };

    private static object? Id(string t) =>
        t.Length is > 0 and <= 64 && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? t : null;

    private static object? Ip(string t) => IPAddress.TryParse(t, out var ip) ? ip : null;

    private static object? RedisConfig(string t)
    {
        if (string.IsNullOrWhiteSpace(t)) return t;   // empty: unset (a chart passes "" for "no Redis")
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(t).EndPoints.Count > 0 ? t : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static object? DashboardPath(string t) =>
        t.Length == 0 || (t.StartsWith('/') && t.Length > 1 && !t.EndsWith('/') && Uri.IsWellFormedUriString(t, UriKind.Relative)
                          && t != "/metrics" && !t.StartsWith("/metrics/", StringComparison.Ordinal)) ? t : null;

    private static object? Horizons(string t)
    {
        var parts = t.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!(double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && values[i] > 0 && double.IsFinite(values[i])))
                return null;
        return values;
    }
}
