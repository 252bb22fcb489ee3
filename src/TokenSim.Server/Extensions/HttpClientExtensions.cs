using Microsoft.Extensions.Http.Resilience;
using Polly.Telemetry;
using TokenSim.Server.Sources;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's outgoing HTTP: named <see cref="IHttpClientFactory"/> clients (pooled handlers that follow DNS
/// changes) with the standard resilience handler, one circuit per target authority so a dead replica never
/// trips the circuit of a healthy one.
/// </summary>
public static class HttpClientExtensions
{
    /// <summary>The client that fetches vLLM <c>/metrics</c>.</summary>
    public const string Scrape = "scrape";

    /// <summary>The client that calls a replica's <c>POST /tokenize</c> for the gateway.</summary>
    public const string Tokenize = "gateway-tokenize";

    /// <summary>The client that sends <c>--demo</c>'s synthetic load to the gateway.</summary>
    public const string DemoLoad = "demo-load";

    // Polly refuses timeouts under 10 ms.
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The scrape client. One attempt may take the whole scrape timeout and there is one quick retry of a fast
    /// failure (a reset connection, a 503): the next scrape is a retry too, so a slow target is simply a failed
    /// scrape, as <see cref="ScrapeSettings.Timeout"/> promises. The scrape loop keeps its own deadline over the
    /// body as well, which the handler does not see.
    /// </summary>
    public static IServiceCollection AddScrapeHttpClient(this IServiceCollection services, ScrapeSettings scrape)
    {
        var timeout = Max(TimeSpan.FromSeconds(scrape.Timeout), MinTimeout);
        services.QuietRequestLogs().AddHttpClient(Scrape, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = timeout;
                o.TotalRequestTimeout.Timeout = timeout;
                o.Retry.MaxRetryAttempts = 1;
                o.Retry.Delay = TimeSpan.Zero;
                // Polly asks for a sampling window of at least two attempts.
                o.CircuitBreaker.SamplingDuration = Max(o.CircuitBreaker.SamplingDuration, 2 * timeout);
                // Never open the circuit: a scrape is itself the health check, and skipping scrapes while a target
                // recovers (say, as the engine starts) would leave its replica without snapshots for the break.
                o.CircuitBreaker.MinimumThroughput = int.MaxValue;
            })
            .SelectPipelineByAuthority();
        // A dead target fails every scrape, and the scrape loop already logs a target going down and coming back;
        // the pipeline's per-attempt warnings (each with a stack trace) would repeat that every interval, so they go
        // to Information, under the server's Polly filter.
        services.Configure<TelemetryOptions>(o => o.SeverityProvider = args =>
            args.Source.PipelineName == Scrape + "-standard" && args.Event.Severity == ResilienceEventSeverity.Warning
                ? ResilienceEventSeverity.Information : args.Event.Severity);
        return services;
    }

    /// <summary>
    /// The tokenize client: the 30 s limit the gateway always had, within it the standard retries (tokenizing
    /// changes nothing on the replica, so a POST may be repeated).
    /// </summary>
    public static IServiceCollection AddTokenizeHttpClient(this IServiceCollection services)
    {
        services.QuietRequestLogs().AddHttpClient(Tokenize, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler(o => o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(30))
            .SelectPipelineByAuthority();
        return services;
    }

    /// <summary>
    /// The demo's load client: no retries (a load generator that retried would send more than its rate) and the
    /// five minutes a long streamed answer may take under load.
    /// </summary>
    public static IServiceCollection AddDemoLoadHttpClient(this IServiceCollection services, int gatewayPort)
    {
        services.QuietRequestLogs().AddHttpClient(DemoLoad, c =>
        {
            c.BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}");
            c.Timeout = TimeSpan.FromMinutes(5);
        });
        return services;
    }

    /// <summary>The factory's own line per request and per response (Information) would bury the server's log.</summary>
    private static IServiceCollection QuietRequestLogs(this IServiceCollection services) =>
        services.AddLogging(b => b.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
