using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TokenSim.Server.Extensions;

namespace TokenSim.Server.Demo;

/// <summary>
/// The steady synthetic load of <c>--demo</c>: <see cref="RatePerSecond"/> streaming chat completions a second through
/// the gateway, each with one of three shared system prompts (so prefix caching and KV events have something to
/// show) and a user message of its own, read to the end as a client would. Seeded, so two demos send the same load.
/// </summary>
public sealed partial class DemoLoad(IHttpClientFactory clients, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<DemoLoad> log) : BackgroundService
{
    public const double RatePerSecond = 2;

    // Made with the service rather than in ExecuteAsync (which .NET runs on the thread pool, at a moment of its own),
    // so the periods run on the given clock from a known point; a period that ends while the host is still starting
    // is remembered by the timer and sent at once.
    private readonly PeriodicTimer _timer = new(TimeSpan.FromSeconds(1 / RatePerSecond), time);

    private static readonly string[] SystemPrompts =
    [
        // About 1,000, 600 and 300 tokens (the emulator's tokenizer reads 4 characters a token).
        string.Concat(Enumerable.Repeat("You are a careful assistant for a bank. Answer briefly and cite the policy. ", 52)),
        string.Concat(Enumerable.Repeat("You translate English into French, keeping technical terms as they are. ", 33)),
        string.Concat(Enumerable.Repeat("Summarise the user's text in three bullet points, plain words only. ", 18)),
    ];

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        // The gateway listens only once the host has started; requests before that would be refused.
        if (!await StartedAsync(hostStopping)) return;
        // And it stops listening before this service is stopped: end the load as soon as the host begins to stop.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, lifetime.ApplicationStopping);
        var stoppingToken = stop.Token;
        using var http = clients.CreateClient(HttpClientExtensions.DemoLoad);
        var rng = new Random(1);
        var inFlight = new List<Task>();
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken))
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(SendAsync(http, rng.Next(SystemPrompts.Length), rng.Next(200, 2000), rng.Next(16, 128), stoppingToken));
            }
        }
        catch (OperationCanceledException) { }
        await Task.WhenAll(inFlight);
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var a = lifetime.ApplicationStarted.Register(started.SetResult);
        using var b = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SendAsync(HttpClient http, int system, int userChars, int maxTokens, CancellationToken stop)
    {
        string body = RequestBody(SystemPrompts[system], new string('q', userChars) + Guid.NewGuid().ToString("N"), maxTokens);
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var res = await http.PostAsync("/v1/chat/completions", content, stop);
            await res.Content.ReadAsByteArrayAsync(stop);
            if (!res.IsSuccessStatusCode) LogRefused(log, (int)res.StatusCode);
        }
        catch (OperationCanceledException) { }
        catch (HttpRequestException e)
        {
            // The load goes on: one failed request is worth a line, not the end of the demo.
            LogFailed(log, e.Message);
        }
    }

    /// <summary>One streaming chat completion's body, as the gateway and vLLM read it.</summary>
    internal static string RequestBody(string systemPrompt, string userMessage, int maxTokens) => JsonSerializer.Serialize(
        new DemoChatRequest(DemoProduction.Model, Stream: true, maxTokens, [new("system", systemPrompt), new("user", userMessage)]),
        DemoJsonContext.Default.DemoChatRequest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo load: the gateway answered {Status}")]
    private static partial void LogRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo load: a request failed ({Reason})")]
    private static partial void LogFailed(ILogger logger, string reason);
}
