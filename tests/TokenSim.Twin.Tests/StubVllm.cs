using System.Net;
using System.Text;
using System.Text.Json;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A stand-in for one vLLM OpenAI server with fixed answers, so a proxied answer can be compared byte for byte with
/// the direct one: <c>/tokenize</c> (one token per prompt character, its code), <c>/v1/completions</c> (3 tokens; a
/// stream sends them as 3 SSE chunks <see cref="ChunkGap"/> apart, then [DONE]). It records the headers each
/// completion arrived with. Anything else is 404.
/// </summary>
public sealed class StubVllm : IDisposable
{
    public static readonly TimeSpan ChunkGap = TimeSpan.FromMilliseconds(300);
    public const string WholeBody = "{\"id\":\"cmpl-fixed\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" a b c\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}";
    public static readonly string[] Chunks =
    [
        "data: {\"id\":\"cmpl-fixed\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" a\",\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"cmpl-fixed\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" b\",\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"cmpl-fixed\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" c\",\"finish_reason\":\"length\"}]}\n\n",
        "data: [DONE]\n\n",
    ];

    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public StubVllm()
    {
        Port = ServerProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    /// <summary>Each completion's X-Request-Id and traceparent headers, in arrival order.</summary>
    public List<(string? RequestId, string? TraceParent)> Seen { get; } = [];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        using var doc = req.HasEntityBody ? await JsonDocument.ParseAsync(req.InputStream) : null;
        try
        {
            switch (req.Url!.AbsolutePath)
            {
                case "/tokenize":
                    string prompt = doc!.RootElement.GetProperty("prompt").GetString()!;
                    await Write(res, "application/json", JsonSerializer.Serialize(new { count = prompt.Length, max_model_len = 4096, tokens = prompt.Select(c => (int)c).ToArray() }));
                    break;
                case "/v1/completions":
                    lock (Seen) Seen.Add((req.Headers["X-Request-Id"], req.Headers["traceparent"]));
                    if (doc!.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True)
                    {
                        res.ContentType = "text/event-stream";
                        res.SendChunked = true;
                        foreach (var chunk in Chunks)
                        {
                            var bytes = Encoding.UTF8.GetBytes(chunk);
                            await res.OutputStream.WriteAsync(bytes);
                            await res.OutputStream.FlushAsync();
                            await Task.Delay(ChunkGap);
                        }
                        res.Close();
                    }
                    else await Write(res, "application/json", WholeBody);
                    break;
                default:
                    res.StatusCode = 404;
                    res.Close();
                    break;
            }
        }
        catch (HttpListenerException)
        {
            // The client went away; nothing to answer.
        }
    }

    private static async Task Write(HttpListenerResponse res, string type, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        res.ContentType = type;
        res.ContentLength64 = bytes.Length;
        await res.OutputStream.WriteAsync(bytes);
        res.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
