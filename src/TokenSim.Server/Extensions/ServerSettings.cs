using Microsoft.Extensions.Options;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's settings as typed values, the options (<c>IOptions&lt;ServerSettings&gt;</c>) the host is built from.
/// Each setting is described once in <see cref="ServerOptions"/> (flag, <c>TOKENSIM_*</c> variable, config file key,
/// rule); its default is the property initialiser here, which <c>--help</c> prints. Cluster shape
/// (<see cref="ClusterSettings"/>) and observability (<see cref="ObservabilitySettings"/>) are grouped apart;
/// docs/operations.md lists them all. Settable because the options pattern fills a new instance
/// (<see cref="ServerSettingsBinder"/>), then checks it (<see cref="ServerSettingsValidator"/>).
/// </summary>
public sealed record ServerSettings
{
    public int GrpcPort { get; set; } = 7100;
    public int MetricsPort { get; set; } = 7101;
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>When set, every call must carry it in the <c>x-api-key</c> header.</summary>
    public string? ApiKey { get; set; }
    public double LatenessSeconds { get; set; } = 10;
    /// <summary>
    /// A StackExchange.Redis configuration string (e.g. <c>127.0.0.1:6379</c>): the twin's grains persist there, each
    /// batch written before it is acknowledged. Null: in-memory storage, which dies with the process.
    /// </summary>
    public string? Redis { get; set; }
    /// <summary>Role, membership table, addresses, failure detection (<see cref="ClusterSettings"/>).</summary>
    public ClusterSettings Cluster { get; set; } = new();
    /// <summary>Log format and the Orleans Dashboard (<see cref="ObservabilitySettings"/>).</summary>
    public ObservabilitySettings Observability { get; set; } = new();
    /// <summary>The sources file (<c>--sources</c>, <c>TOKENSIM_SOURCES</c>): scrape targets, span rules, deployments to register (docs/vllm.md).</summary>
    public string? Sources { get; set; }
    /// <summary>Orleans' Kubernetes hosting for a silo in a pod (<see cref="KubernetesHostingExtensions"/>).</summary>
    public bool KubernetesHosting { get; set; }
    /// <summary>Wall seconds between the forecasts the server refreshes and exports on its own; 0 = none. Default 5.</summary>
    public double ForecastIntervalSeconds { get; set; } = 5;
    /// <summary>A scenario file (<c>--forecast-scenario</c>) each refreshed forecast also runs, with and without it; null = none.</summary>
    public string? ForecastScenario { get; set; }
    /// <summary>Production seconds between the forecasts each replica scores against later snapshots; 0 = none. Default 1.</summary>
    public double ForecastScoreIntervalSeconds { get; set; } = 1;
    /// <summary>The share of one core the silo's scored forecasts may take (CPU time, a token bucket); beyond it they are skipped. Default 0.25.</summary>
    public double ForecastScoreBudget { get; set; } = 0.25;
    /// <summary>Horizons, in seconds, each scored forecast looks ahead (<c>--forecast-score-horizons 10,30,60</c>). Default 5, 10, 20.</summary>
    public IReadOnlyList<double> ForecastScoreHorizons { get; set; } = [5, 10, 20];
    /// <summary>Forecasts fork on the replica's turn and run off it (<c>--forecasts-off-turn</c>). Default true.</summary>
    public bool ForecastsOffTurn { get; set; } = true;
    /// <summary>Linux niceness of the threads forecasts run on off the turn (<c>--forecast-niceness</c>). Default 0.</summary>
    public int ForecastNiceness { get; set; }
    /// <summary>Request records each replica keeps (<c>--max-records</c>, <c>TOKENSIM_MAX_RECORDS</c>); default 100,000.</summary>
    public int MaxRecords { get; set; } = 100_000;

    /// <summary>Whether the OpenAI gateway runs (<c>--proxy</c>); it needs a sources file (<see cref="GatewaySettings"/>).</summary>
    public bool Proxy { get; set; }
    public int ProxyPort { get; set; } = 7102;
    /// <summary>The twin in one command (<c>--demo</c>): an emulated production feeds it (<see cref="DemoExtensions"/>).</summary>
    public bool Demo { get; set; }

    /// <summary>
    /// The validated settings of <paramref name="config"/> (a configuration with <see cref="ServerCommandLine"/>'s
    /// sources), through the same options registration the host uses; throws <see cref="ArgumentException"/> with
    /// the first problem, naming the flag, variable or file line.
    /// </summary>
    public static ServerSettings From(IConfiguration config)
    {
        using var services = new ServiceCollection().AddSingleton(config).AddTokenSimServerOptions().BuildServiceProvider();
        try
        {
            return services.GetRequiredService<IOptions<ServerSettings>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw new ArgumentException(e.Failures.First(), e);
        }
    }
}
