using System.Net;
using System.Text;
using System.Text.Json;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// The exact bytes OpenAI and vLLM clients parse: key order, nulls written as null, <c>object</c> keys and the default
/// encoder's escapes. The expected strings were written by hand from the emulator's answers before its JSON moved to
/// source-generated records, so they hold the wire format to what it was. Only <c>created</c> (the clock's second)
/// is read from the answer, and checked against the clock. The streamed chunks escape as System.Text.Json's default
/// encoder does (HTML-sensitive characters too); the whole answers, errors, models and tokenize as ASP.NET Core's
/// JSON options do (the relaxed encoder): the request ids with &lt; and ' below hold both.
/// </summary>
public class WireFormatTests
{
    private const string Json = "application/json; charset=utf-8";

    private static async Task<(HttpStatusCode Status, string? Type, string Body)> Post(EmulatorHarness h, string path, string json, string? requestId = null)
    {
        using var msg = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (requestId is not null) msg.Headers.Add("X-Request-Id", requestId);
        using var res = await h.Client.SendAsync(msg);
        return (res.StatusCode, res.Content.Headers.ContentType?.ToString(), await res.Content.ReadAsStringAsync());
    }

    /// <summary>The <c>created</c> second of an answer, checked to lie within the test's own reading of the clock.</summary>
    private static long Created(string body, long before)
    {
        int at = body.IndexOf("\"created\":", StringComparison.Ordinal) + "\"created\":".Length;
        long created = long.Parse(body[at..body.IndexOf(',', at)]);
        Assert.InRange(created, before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return created;
    }

    /// <summary>The text with @0, @1 … replaced by the values' invariant text.</summary>
    private static string Fill(string text, params object[] values)
    {
        for (int i = values.Length - 1; i >= 0; i--) text = text.Replace("@" + i, Convert.ToString(values[i], System.Globalization.CultureInfo.InvariantCulture));
        return text;
    }

    [Fact]
    public async Task StreamedChat_FirstChunkHasTheRole_LaterOnesNot_ThenUsage_ThenDone()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (status, type, body) = await Post(h, "/v1/chat/completions",
            """{"model":"test-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"stream":true,"stream_options":{"include_usage":true}}""", "w1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/event-stream; charset=utf-8", type);
        long c = Created(body, before);
        string head = Fill("""{"id":"chatcmpl-w1","object":"chat.completion.chunk","created":@0,"model":"test-model","choices":""", c);
        Assert.Equal(
            "data: " + head + """[{"index":0,"delta":{"role":"assistant","content":" tok"},"logprobs":null,"finish_reason":null,"stop_reason":null}]}""" + "\n\n" +
            "data: " + head + """[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":null,"stop_reason":null}]}""" + "\n\n" +
            "data: " + head + """[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}""" + "\n\n" +
            "data: " + head + """[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""" + "\n\n" +
            "data: [DONE]\n\n",
            body);
    }

    [Fact]
    public async Task StreamedTextCompletion_ChunksCarryText_AndUsageWhenAsked()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (status, type, body) = await Post(h, "/v1/completions",
            """{"prompt":[1,2,3,4],"max_tokens":2,"stream":true,"stream_options":{"include_usage":true}}""", "w<2>'");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/event-stream; charset=utf-8", type);
        long c = Created(body, before);
        string head = Fill("""{"id":"cmpl-w\u003C2\u003E\u0027","object":"text_completion","created":@0,"model":"test-model","choices":""", c);
        Assert.Equal(
            "data: " + head + """[{"index":0,"text":" tok","logprobs":null,"finish_reason":null,"stop_reason":null}]}""" + "\n\n" +
            "data: " + head + """[{"index":0,"text":" tok","logprobs":null,"finish_reason":"length","stop_reason":null}]}""" + "\n\n" +
            "data: " + head + """[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}""" + "\n\n" +
            "data: [DONE]\n\n",
            body);
    }

    [Fact]
    public async Task WholeChatAndTextCompletion_OneDocumentWithUsage()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (status, type, chat) = await Post(h, "/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""", "w3");
        Assert.Equal((HttpStatusCode.OK, Json), (status, type));
        Assert.Equal(
            Fill("""{"id":"chatcmpl-w3","object":"chat.completion","created":@0,"model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":" tok tok"},"logprobs":null,"finish_reason":"length","stop_reason":null}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}""", Created(chat, before)),
            chat);
        (status, type, string text) = await Post(h, "/v1/completions", """{"prompt":"abcdefgh","max_tokens":3}""", "w<4>'");
        Assert.Equal((HttpStatusCode.OK, Json), (status, type));
        Assert.Equal(
            Fill("""{"id":"cmpl-w<4>'","object":"text_completion","created":@0,"model":"test-model","choices":[{"index":0,"text":" tok tok tok","logprobs":null,"finish_reason":"length","stop_reason":null}],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}""", Created(text, before)),
            text);
    }

    [Fact]
    public async Task Models_ListsTheOneServedModel()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        using var res = await h.Client.GetAsync("/v1/models");
        Assert.Equal(Json, res.Content.Headers.ContentType?.ToString());
        Assert.Equal(
            Fill("""{"object":"list","data":[{"id":"test-model","object":"model","created":@0,"owned_by":"tokensim (simulated vLLM; output text is synthetic)","root":"test-model","max_model_len":4096}]}""", h.Engine.StartedAt.ToUnixTimeSeconds()),
            await res.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tokenize_CountLengthIdsAndNullStrings()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        var (status, type, body) = await Post(h, "/tokenize", """{"prompt":[5,6,7]}""");
        Assert.Equal((HttpStatusCode.OK, Json), (status, type));
        Assert.Equal("""{"count":3,"max_model_len":4096,"tokens":[5,6,7],"token_strs":null}""", body);
    }

    [Fact]
    public async Task Errors_vLLMsErrorBody_WithTheDefaultEncodersEscapes()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        var (status, type, body) = await Post(h, "/v1/completions", """{"model":"nope","prompt":"Hi"}""");
        Assert.Equal((HttpStatusCode.NotFound, Json), (status, type));
        Assert.Equal("""{"object":"error","message":"The model `nope` does not exist.","type":"NotFoundError","param":"model","code":404}""", body);
        (status, type, body) = await Post(h, "/v1/completions", """{"prompt":"Hi","max_tokens":0}""");
        Assert.Equal((HttpStatusCode.BadRequest, Json), (status, type));
        Assert.Equal("""{"object":"error","message":"max_tokens must be at least 1, got 0.","type":"BadRequestError","param":"max_tokens","code":400}""", body);
        (status, type, body) = await Post(h, "/v1/chat/completions", "[]");
        Assert.Equal((HttpStatusCode.BadRequest, Json), (status, type));
        Assert.Equal("""{"object":"error","message":"The request body must be a JSON object.","type":"BadRequestError","param":null,"code":400}""", body);
        (status, type, body) = await Post(h, "/v1/completions", "x");
        Assert.Equal((HttpStatusCode.BadRequest, Json), (status, type));
        Assert.Equal("""{"object":"error","message":"Invalid JSON body: 'x' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.","type":"BadRequestError","param":null,"code":400}""", body);
        (status, type, body) = await Post(h, "/tokenize", """{"nothing":1}""");
        Assert.Equal((HttpStatusCode.BadRequest, Json), (status, type));
        Assert.Equal("""{"object":"error","message":"Either prompt or messages is required.","type":"BadRequestError","param":null,"code":400}""", body);
    }

    [Fact]
    public async Task ReleaseJitter_BeforeAnyToken_IsZeros()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        using var res = await h.Client.GetAsync("/tokensim/release-jitter");
        Assert.Equal(Json, res.Content.Headers.ContentType?.ToString());
        Assert.Equal("""{"tokens":0,"p50_s":0,"p99_s":0,"max_s":0}""", await res.Content.ReadAsStringAsync());
    }
}
