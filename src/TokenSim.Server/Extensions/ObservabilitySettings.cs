namespace TokenSim.Server.Extensions;

/// <summary>
/// Log format and the Orleans Dashboard. OpenTelemetry needs no setting of its own: it is on exactly when the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a per-signal <c>OTEL_EXPORTER_OTLP_*_ENDPOINT</c>) is set.
/// </summary>
public sealed record ObservabilitySettings
{
    /// <summary>Console logs as one JSON object a line (<c>--log-format json</c>) instead of plain text.</summary>
    public bool JsonLogs { get; init; }
    /// <summary>The path the Orleans Dashboard is served under on the HTTP port (e.g. <c>/dashboard</c>); null: off.</summary>
    public string? DashboardPath { get; init; }

    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["--log-format"] = "TokenSim:LogFormat",
        ["--dashboard"] = "TokenSim:Dashboard",
    };

    public static ObservabilitySettings From(Func<string, string, string?> get)
    {
        var format = get("LogFormat", "TOKENSIM_LOG_FORMAT");
        var dashboard = get("Dashboard", "TOKENSIM_DASHBOARD");
        if (dashboard is not null && !(dashboard.StartsWith('/') && dashboard.Length > 1 && !dashboard.EndsWith('/')
                                       && Uri.IsWellFormedUriString(dashboard, UriKind.Relative) && dashboard != "/metrics" && !dashboard.StartsWith("/metrics/", StringComparison.Ordinal)))
            throw new ArgumentException($"--dashboard / TOKENSIM_DASHBOARD must be a path such as /dashboard: leading '/', no trailing '/', not /metrics (got '{dashboard}').");
        return new ObservabilitySettings
        {
            JsonLogs = format switch
            {
                null or "simple" => false,
                "json" => true,
                _ => throw new ArgumentException($"--log-format / TOKENSIM_LOG_FORMAT must be simple or json (got '{format}')."),
            },
            DashboardPath = string.IsNullOrEmpty(dashboard) ? null : dashboard,
        };
    }
}
