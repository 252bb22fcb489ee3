using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;
using Polly.Timeout;
using TokenSim.Server.Extensions;
using TokenSim.Server.Sources;

namespace TokenSim.Twin.Tests;

/// <summary>The scrape and tokenize clients' resilience: what is retried, and how long a target may take.</summary>
public class HttpClientResilienceTests
{
    /// <summary>Answers the given status codes in turn (the last one thereafter); a null never answers.</summary>
    private sealed class Replies(params HttpStatusCode?[] codes) : HttpMessageHandler
    {
        public int Calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var code = codes[Math.Min(Interlocked.Increment(ref Calls) - 1, codes.Length - 1)];
            if (code is not { } c) await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(code!.Value);
        }
    }

    /// <summary>The pipelines that reported events (the severity rule above keys on the pipeline's name).</summary>
    private sealed class Pipelines : TelemetryListener
    {
        public readonly HashSet<string?> Names = [];

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            lock (Names) Names.Add(args.Source.PipelineName);
        }
    }

    private static HttpClient Client(string name, Replies replies, Action<IServiceCollection> add, Pipelines? pipelines = null)
    {
        var services = new ServiceCollection();
        add(services);
        if (pipelines is not null) services.Configure<TelemetryOptions>(o => o.TelemetryListeners.Add(pipelines));
        services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(() => replies);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient(name);
    }

    [Fact]
    public async Task Scrape_RetriesAFastFailureOnce_ThenAnswersWhatTheTargetSaid()
    {
        var recovers = new Replies(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        var pipelines = new Pipelines();
        var client = Client(HttpClientExtensions.Scrape, recovers, s => s.AddScrapeHttpClient(new ScrapeSettings { IntervalSeconds = 1 }), pipelines);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://replica-a/metrics")).StatusCode);
        Assert.Equal(2, recovers.Calls);
        Assert.Equal(["scrape-standard"], pipelines.Names);

        // Still failing after the one retry: the scrape fails with the target's answer; the next scrape is the next try.
        var down = new Replies(HttpStatusCode.ServiceUnavailable);
        client = Client(HttpClientExtensions.Scrape, down, s => s.AddScrapeHttpClient(new ScrapeSettings { IntervalSeconds = 1 }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("http://replica-b/metrics")).StatusCode);
        Assert.Equal(2, down.Calls);
    }

    [Fact]
    public async Task Scrape_ATargetThatNeverAnswers_TimesOutAtTheScrapeTimeout_WithoutRetrying()
    {
        var silent = new Replies([null]);
        var client = Client(HttpClientExtensions.Scrape, silent, s => s.AddScrapeHttpClient(new ScrapeSettings { IntervalSeconds = 5, TimeoutSeconds = 0.2 }));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutRejectedException>(() => client.GetAsync("http://replica-c/metrics"));
        // The attempt takes the whole timeout, so there is no time left for a second one.
        Assert.Equal(1, silent.Calls);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 4);
    }

    [Fact]
    public void Scrape_PerAttemptWarnings_AreInformation_OtherPipelinesKeepTheirSeverity()
    {
        var services = new ServiceCollection();
        services.AddScrapeHttpClient(new ScrapeSettings()).AddTokenizeHttpClient();
        var severity = services.BuildServiceProvider().GetRequiredService<IOptions<TelemetryOptions>>().Value.SeverityProvider;
        var context = ResilienceContextPool.Shared.Get();
        ResilienceEventSeverity Of(string pipeline) =>
            severity!(new SeverityProviderArguments(new ResilienceTelemetrySource(pipeline, "replica-a:8000", "Retry"), new ResilienceEvent(ResilienceEventSeverity.Warning, "OnRetry"), context));
        Assert.Equal(ResilienceEventSeverity.Information, Of("scrape-standard"));
        Assert.Equal(ResilienceEventSeverity.Warning, Of("gateway-tokenize-standard"));
        ResilienceContextPool.Shared.Return(context);
    }

    [Fact]
    public async Task Tokenize_RetriesATransientFailure()
    {
        var recovers = new Replies(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        var client = Client(HttpClientExtensions.Tokenize, recovers, s => s.AddTokenizeHttpClient());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("http://replica-a/tokenize", new StringContent("{}"))).StatusCode);
        Assert.Equal(2, recovers.Calls);
    }
}
