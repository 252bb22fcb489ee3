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
}
