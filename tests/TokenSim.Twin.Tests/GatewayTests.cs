using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The OpenAI gateway of a server process (<c>--proxy true</c>) in front of two stub vLLM servers: answers pass
/// through byte for byte (whole and streamed, the stream chunk by chunk), the upstream sees an <c>X-Request-Id</c> and a
/// W3C <c>traceparent</c>, requests alternate between the replicas, and the twin is told of each arrival (prompt
/// length from the replica's /tokenize), a stream's first token, and each finish with its output length.
/// </summary>
public sealed partial class GatewayTests : IAsyncLifetime
{
    private readonly StubVllm _a = new(), _b = new();
    private readonly int _proxyPort = ServerProcess.FreePort();
    private string _sources = "";
    private SourcedServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _sources = Path.Combine(Path.GetTempPath(), $"tokensim-gw-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(_sources, $$"""
            deployments:
              - name: gw
                spec: {model: llama-3.1-8b, hardware: a100-80g, replicas: 2, engine: {kv_blocks: 2000, max_model_len: 4096} }
                targets:
                  - {metrics: "{{_a.Url}}/metrics", openai: "{{_a.Url}}", replica: 0}
                  - {metrics: "{{_b.Url}}/metrics", openai: "{{_b.Url}}", replica: 1}
            """);
        _server = new SourcedServerProcess(_sources, _proxyPort);
        await _server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _a.Dispose();
        _b.Dispose();
        File.Delete(_sources);
    }

    private static HttpRequestMessage Completion(string url, bool stream, string? requestId = null)
    {
        var m = new HttpRequestMessage(HttpMethod.Post, $"{url}/v1/completions")
        {
            Content = new StringContent($"{{\"model\":\"m\",\"prompt\":\"hello world\",\"max_tokens\":3,\"stream\":{(stream ? "true" : "false")}}}", Encoding.UTF8, "application/json"),
        };
        if (requestId is not null) m.Headers.Add("X-Request-Id", requestId);
        return m;
    }

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")]
    private static partial Regex TraceParent();

    [Fact]
    public async Task Answers_PassThroughUntouched_HeadersAreSet_AndTheTwinHearsEveryRequest()
    {
        using var http = new HttpClient();
        string gateway = $"http://127.0.0.1:{_proxyPort}";

        // Whole answers: the same bytes and content type as the replica's own.
        var direct = await http.SendAsync(Completion(_a.Url, stream: false));
        var proxied = await http.SendAsync(Completion(gateway, stream: false));
        Assert.Equal(200, (int)proxied.StatusCode);
        Assert.Equal(await direct.Content.ReadAsByteArrayAsync(), await proxied.Content.ReadAsByteArrayAsync());
        Assert.Equal(direct.Content.Headers.ContentType, proxied.Content.Headers.ContentType);

        // Streams: the same bytes, and the first chunk reaches the client while the replica still holds the rest.
        var directStream = await http.SendAsync(Completion(_a.Url, stream: true), HttpCompletionOption.ResponseHeadersRead);
        byte[] directBytes = await directStream.Content.ReadAsByteArrayAsync();
        var clock = Stopwatch.StartNew();
        var streamed = await http.SendAsync(Completion(gateway, stream: true, requestId: "client-chosen"), HttpCompletionOption.ResponseHeadersRead);
        var body = await streamed.Content.ReadAsStreamAsync();
        var first = new byte[StubVllm.Chunks[0].Length];
        await body.ReadExactlyAsync(first);
        double firstAt = clock.Elapsed.TotalSeconds;
        var rest = new MemoryStream();
        await body.CopyToAsync(rest);
        double endAt = clock.Elapsed.TotalSeconds;
        Assert.Equal(directBytes, first.Concat(rest.ToArray()).ToArray());
        Assert.True(endAt - firstAt > 2.5 * StubVllm.ChunkGap.TotalSeconds, $"first chunk at {firstAt:F3} s, end at {endAt:F3} s: the stream was buffered");
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType?.MediaType);

        // A fourth request, so each replica got two.
        (await http.SendAsync(Completion(gateway, stream: true))).EnsureSuccessStatusCode();

        // Headers as the replicas saw them: the gateway's own id where the client sent none, the client's kept.
        var viaGateway = _a.Seen.Skip(2).Concat(_b.Seen).ToList(); // replica a's first two came direct
        Assert.Equal(3, viaGateway.Count);
        Assert.All(viaGateway, s => Assert.Matches(TraceParent(), s.TraceParent!));
        Assert.Contains(viaGateway, s => s.RequestId == "client-chosen");
        Assert.Equal(2, viaGateway.Count(s => s.RequestId is { Length: 32 } id && id.All(Uri.IsHexDigit)));
        Assert.Equal(2, _b.Seen.Count);  // round robin: b had the first and third proxied requests

        // The twin: every proxied request, its prompt length from /tokenize, first tokens of streams, finishes.
        var client = new Deployments.DeploymentsClient(_server.Channel);
        AccuracyReport report;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(200);
            report = await client.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "gw" });
        } while (report.Requests.Count(r => r.HasObservedOutputTokens) < 3 && DateTime.UtcNow < deadline);
        Assert.Equal(3, report.Requests.Count);
        Assert.All(report.Requests, r =>
        {
            Assert.StartsWith("cmpl-", r.RequestId);
            Assert.Equal("hello world".Length, r.PromptTokens);
            Assert.Equal(3, r.ObservedOutputTokens);
            Assert.True(r.HasPredictedTtftS, $"{r.RequestId} was not predicted at arrival");
        });
        Assert.Contains(report.Requests, r => r.RequestId == "cmpl-client-chosen" && r.HasObservedTtftS && r.ObservedTtftS < r.ObservedE2ES);
        Assert.Single(report.Requests, r => !r.HasObservedTtftS); // the whole answer: no first token to see
        Assert.Equal(2, report.Requests.Count(r => r.Replica == 1));
        string metrics = await _server.MetricsTextAsync();
        Assert.Contains("tokensim_gateway_requests_total{deployment=\"gw\",replica=\"1\",code=\"200\"} 2", metrics);
    }
}
