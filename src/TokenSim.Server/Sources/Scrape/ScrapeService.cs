using System.Globalization;
using Polly.CircuitBreaker;
using Polly.Timeout;
using TokenSim.Server.Extensions;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Sources.Scrape;

/// <summary>
/// Registers the sources file's deployments that carry a spec, then scrapes every target's vLLM <c>/metrics</c> each
/// interval and feeds each engine's reading to its replica as an engine_snapshot event, which is how snapshots reach
/// the shadow simulation. <c>cache_config_info</c> configures the deployment's KV block count and block size while
/// it has applied no event; a later disagreement is counted (<c>cache_config_mismatch</c>). A target that does not
/// answer, answers an error, or times out is a failed scrape (metrics, <c>/sources/status</c>), never an exception.
/// </summary>
public sealed partial class ScrapeService(SourcesConfig config, TwinSink sink, SourceMetrics metrics, IHttpClientFactory http, IHostApplicationLifetime lifetime, ILogger<ScrapeService> log, TimeProvider time) : BackgroundService
{
    private readonly List<TargetState> _states = config.Deployments.SelectMany(d => d.Targets).Select(t => new TargetState(t)).ToList();

    /// <summary>A target's health as <c>/sources/status</c> reports it.</summary>
    public sealed record TargetStatus(string Deployment, string Url, bool Up, bool Stale, double? LastSuccessUnixSeconds, string? LastError, long Scrapes, long Failures);

    public IReadOnlyList<TargetStatus> Status()
    {
        double now = Unix();
        lock (_states)
            return [.. _states.Select(s => new TargetStatus(s.Target.Deployment, s.Target.Url.ToString(), s.Up, IsStale(s, now), s.LastSuccess, s.LastError, s.Scrapes, s.Failures))];
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        // Grains answer once the silo has started, which is after this service starts.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stopping.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        foreach (var d in config.Deployments.Where(d => d.Spec is not null))
        {
            try
            {
                var summary = await sink.Grain(d.Name).RegisterAsync(d.Spec!);
                LogRegistered(log, d.Name, summary.Spec.Replicas, summary.KvBlocks);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                // The spec was checked when the file was read; what is left (a perf model's files) stops the server here.
                LogNotRegistered(log, d.Name, e.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
        }
        if (_states.Count == 0) return;
        await Task.WhenAll(_states.Select(s => LoopAsync(s, stopping)));
    }

    private async Task LoopAsync(TargetState state, CancellationToken stopping)
    {
        var interval = TimeSpan.FromSeconds(config.Scrape.IntervalSeconds);
        while (!stopping.IsCancellationRequested)
        {
            long started = time.GetTimestamp();
            await ScrapeOnceAsync(state, stopping);
            var wait = interval - time.GetElapsedTime(started);
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One scrape of one target: fetch, read, configure, feed.</summary>
    private async Task ScrapeOnceAsync(TargetState state, CancellationToken stopping)
    {
        var target = state.Target;
        string label = target.Url.ToString();
        long clock = time.GetTimestamp();
        double at = Unix();
        string? error = null;
        string? text = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(config.Scrape.Timeout));
            try
            {
                using var response = await http.CreateClient(HttpClientExtensions.Scrape).GetAsync(target.Url, timeout.Token);
                if (!response.IsSuccessStatusCode) error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                else text = await response.Content.ReadAsStringAsync(timeout.Token);
            }
            // Our deadline or the resilience handler's (the same length): either way the target did not answer in time.
            catch (Exception e) when (e is OperationCanceledException or TimeoutRejectedException && !stopping.IsCancellationRequested)
            {
                error = $"no answer within {config.Scrape.Timeout:G} s";
            }
            // The target's circuit is open after repeated failures: this scrape did not reach it.
            catch (BrokenCircuitException e)
            {
                error = e.Message;
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
            }
        }
        if (stopping.IsCancellationRequested) return;
        if (text is not null) await FeedAsync(target, text, at);
        bool ok = error is null;
        lock (_states)
        {
            state.Scrapes++;
            if (ok) state.LastSuccess = at; else state.Failures++;
            if (ok != state.Up) LogTargetState(log, ok ? LogLevel.Information : LogLevel.Warning, label, target.Deployment, ok ? "up" : "down", ok ? "" : $": {error}");
            state.Up = ok;
            state.LastError = error;
        }
        metrics.Scraped(target.Deployment, label, ok, time.GetElapsedTime(clock).TotalSeconds, at);
        metrics.Stale(target.Deployment, label, IsStale(state, Unix()));
    }

    private bool IsStale(TargetState s, double now) => s.LastSuccess is not { } last || now - last > config.Scrape.StaleAfter;

    private async Task FeedAsync(ScrapeTarget target, string text, double at)
    {
        var (samples, lineErrors) = PrometheusText.Parse(text);
        metrics.Reject("scrape", "malformed_line", lineErrors.Count);
        if (lineErrors.Count > 0) LogLinesNotRead(log, target.Url, lineErrors.Count, lineErrors[0].Line, lineErrors[0].Message);
        var (engines, rejections) = VllmScrape.Read(samples);
        var events = new List<TwinEvent>();
        long ms = (long)(at * 1000);
        foreach (var reading in engines.Values.OrderBy(r => r.Engine, StringComparer.Ordinal))
        {
            if (target.ReplicaOf(reading.Engine) is not { } replica) { rejections.Add(("unmapped_engine", $"{target.Url}: engine '{reading.Engine}' maps to no replica")); continue; }
            foreach (var (name, value) in reading.Counters) metrics.Observed(target.Deployment, replica, name, value);
            if (reading.NumGpuBlocks is { } blocks)
            {
                metrics.KvBlocks(target.Deployment, replica, blocks);
                await ConfigureAsync(target, blocks, reading.BlockSize!.Value, rejections);
            }
            if (reading.Running is not { } running || reading.Waiting is not { } waiting)
            {
                rejections.Add(("missing_family", $"{target.Url}: engine '{reading.Engine}' has no vllm:num_requests_running or vllm:num_requests_waiting"));
                continue;
            }
            events.Add(new Twin.Abstractions.Events.EngineSnapshotTaken
            {
                EventId = $"scrape:{target.Deployment}/{replica}/{ms.ToString(CultureInfo.InvariantCulture)}", Replica = replica, TimeSeconds = at,
                Running = running, Waiting = waiting, KvCacheUsage = reading.KvUsage, KvBlocksTotal = reading.NumGpuBlocks,
            });
        }
        if (events.Count > 0)
        {
            var outcomes = await sink.IngestAsync(target.Deployment, events);
            if (outcomes is null) rejections.Add(("unknown_deployment", $"deployment '{target.Deployment}' is not registered"));
            else
                for (int i = 0; i < outcomes.Length; i++)
                    if (outcomes[i].Kind is EventOutcomeKind.Invalid or EventOutcomeKind.Late)
                        rejections.Add((outcomes[i].Kind == EventOutcomeKind.Late ? "late" : "invalid", $"{events[i].EventId}: {outcomes[i].Reason}"));
        }
        foreach (var g in rejections.GroupBy(r => r.Reason)) metrics.Reject("scrape", g.Key, g.Count());
        if (rejections.Count > 0) LogRejections(log, target.Url, rejections.Count, rejections[0].Detail);
    }

    /// <summary>
    /// Makes the deployment's KV block count and block size those vLLM reports, by re-registering its spec while it
    /// has applied no event (a spec cannot change under applied events); afterwards a disagreement is counted once
    /// per target and value.
    /// </summary>
    private async Task ConfigureAsync(ScrapeTarget target, int blocks, int blockSize, List<(string, string)> rejections)
    {
        var summary = await sink.DeploymentAsync(target.Deployment);
        if (summary is null) return;
        if (summary.KvBlocks == blocks && (summary.Spec.BlockSize ?? 16) == blockSize) return;
        if (summary.EventsApplied == 0)
        {
            var spec = summary.Spec with { KvBlocks = blocks, BlockSize = blockSize };
            await sink.Grain(target.Deployment).RegisterAsync(spec);
            LogCacheConfigured(log, target.Deployment, blocks, blockSize, target.Url);
            return;
        }
        var state = _states.First(s => s.Target == target);
        if (state.MismatchReported == (blocks, blockSize)) return;
        state.MismatchReported = (blocks, blockSize);
        rejections.Add(("cache_config_mismatch", $"{target.Url} reports {blocks} KV blocks of {blockSize} tokens; deployment '{target.Deployment}' simulates {summary.KvBlocks} of {summary.Spec.BlockSize ?? 16} and has applied events, so it keeps them"));
        LogCacheMismatch(log, target.Url, blocks, blockSize, target.Deployment, summary.KvBlocks);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered deployment {Deployment} from the sources file: {Replicas} replicas, {Blocks} KV blocks")]
    private static partial void LogRegistered(ILogger logger, string deployment, int replicas, int blocks);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The sources file's deployment {Deployment} cannot be registered: {Message}")]
    private static partial void LogNotRegistered(ILogger logger, string deployment, string message);

    /// <summary>A target going up (Information) or down (Warning): logged on the change, not on every scrape.</summary>
    [LoggerMessage(Message = "Scrape target {Url} of {Deployment} is {State}{Error}")]
    private static partial void LogTargetState(ILogger logger, LogLevel level, string url, string deployment, string state, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: {Count} line(s) not read, e.g. line {Line}: {Message}")]
    private static partial void LogLinesNotRead(ILogger logger, Uri url, int count, int line, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: {Count} rejection(s), e.g. {Detail}")]
    private static partial void LogRejections(ILogger logger, Uri url, int count, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Deployment}: {Blocks} KV blocks of {BlockSize} tokens, from {Url}'s vllm:cache_config_info")]
    private static partial void LogCacheConfigured(ILogger logger, string deployment, int blocks, int blockSize, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url} reports {Blocks} KV blocks of {BlockSize} tokens; deployment {Deployment} simulates {Simulated} and has applied events, so it keeps them")]
    private static partial void LogCacheMismatch(ILogger logger, Uri url, int blocks, int blockSize, string deployment, int simulated);

    private double Unix() => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>A target and its scrape history.</summary>
    private sealed class TargetState(ScrapeTarget target)
    {
        public ScrapeTarget Target { get; } = target;
        public bool Up { get; set; }
        public double? LastSuccess { get; set; }
        public string? LastError { get; set; }
        public long Scrapes { get; set; }
        public long Failures { get; set; }
        public (int, int)? MismatchReported { get; set; }
    }
}
