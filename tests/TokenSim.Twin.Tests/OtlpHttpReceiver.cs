using System.Collections.Concurrent;
using System.Net;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// An OTLP/HTTP receiver on a free loopback port: <c>POST /v1/traces</c> decoded into spans, and the raw bodies of
/// <c>POST /v1/metrics</c> and <c>/v1/logs</c> (the repository carries only the trace messages).
/// </summary>
internal sealed class OtlpHttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _other = new();
    private readonly Task _loop;

    public OtlpHttpReceiver()
    {
        Port = ServerProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public IReadOnlyCollection<Span> Spans => _spans;
    public IReadOnlyCollection<(string Path, byte[] Body)> Other => _other;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            using var body = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(body);
            string path = ctx.Request.Url!.AbsolutePath;
            if (path == "/v1/traces")
                foreach (var rs in ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()).ResourceSpans)
                    foreach (var ss in rs.ScopeSpans)
                        foreach (var span in ss.Spans) _spans.Enqueue(span);
            else _other.Enqueue((path, body.ToArray()));
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/x-protobuf";
            ctx.Response.Close();
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds for what has arrived, or the timeout passes.</summary>
    public async Task<bool> WaitAsync(Func<OtlpHttpReceiver, bool> done, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (done(this)) return true;
            await Task.Delay(100);
        }
        return done(this);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
