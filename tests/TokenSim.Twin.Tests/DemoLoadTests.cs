using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TokenSim.Server.Demo;
using TokenSim.Server.Extensions;

namespace TokenSim.Twin.Tests;

/// <summary>The demo's load keeps its rate on the clock it is given: one request per half second of (fake) time.</summary>
public sealed class DemoLoadTests
{
    [Fact]
    public async Task Load_SendsOneChatCompletionPerPeriod_OfTheClockItIsGiven()
    {
        using var gateway = new HttpListener();
        int port = ServerProcess.FreePort();
        gateway.Prefixes.Add($"http://127.0.0.1:{port}/");
        gateway.Start();
        var seen = new List<string>();
        var log = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var serving = Task.Run(async () =>
        {
            while (gateway.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await gateway.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                // The body read to the end, so the kept-alive connection is ready for the next request.
                await ctx.Request.InputStream.CopyToAsync(Stream.Null);
                lock (seen) { seen.Add($"{ctx.Request.HttpMethod} {ctx.Request.Url!.AbsolutePath}"); log.Add($"seen {clock.Elapsed}"); }
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentLength64 = 0;
                ctx.Response.Close();
            }
        });
        var time = new FakeTimeProvider();
        // The client as the server registers it, so the test also sends through the demo's named client.
        using var services = new ServiceCollection().AddDemoLoadHttpClient(port).BuildServiceProvider();
        using var load = new DemoLoad(services.GetRequiredService<IHttpClientFactory>(), new StartedLifetime(), time, NullLogger<DemoLoad>.Instance);
        await load.StartAsync(CancellationToken.None);
        for (int n = 1; n <= 4; n++)
        {
            lock (seen) log.Add($"advance {n} {clock.Elapsed}");
            time.Advance(TimeSpan.FromSeconds(1 / DemoLoad.RatePerSecond));
            // Real I/O, not time: wait for the request this period sent before the next period begins.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Count(seen) < n && DateTime.UtcNow < deadline) await Task.Delay(10);
        }
        lock (seen) log.Add($"stop {clock.Elapsed}");
        await load.StopAsync(CancellationToken.None);
        lock (seen) log.Add($"stopped {clock.Elapsed}");
        gateway.Stop();
        await serving;
        Assert.True(seen.Count == 4, string.Join("\n", log));
        Assert.Equal(Enumerable.Repeat("POST /v1/chat/completions", 4), seen);
    }

    private static int Count(List<string> seen)
    {
        lock (seen) return seen.Count;
    }

    private sealed class StartedLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted { get; } = new(canceled: true);
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }

    [Fact]
    public void RequestBody_IsTheChatCompletionClientsSend_ByteForByte()
    {
        // Written from the body the demo sent before it moved to a source-generated record: key order, the default
        // encoder's escape of the apostrophe.
        Assert.Equal(
            """{"model":"llama-3.1-8b","stream":true,"max_tokens":17,"messages":[{"role":"system","content":"Summarise the user\u0027s text."},{"role":"user","content":"qqq"}]}""",
            DemoLoad.RequestBody("Summarise the user's text.", "qqq", 17));
    }
}
