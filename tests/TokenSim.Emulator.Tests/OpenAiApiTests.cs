using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TokenSim.Emulator.Tests;

/// <summary>The OpenAI surface as an ordinary HTTP client sees it: streams, whole answers, errors vLLM returns.</summary>
public class OpenAiApiTests
{
    private static async Task<(HttpStatusCode Status, string Body)> Post(EmulatorHarness h, string path, object body)
    {
        using var res = await h.Client.PostAsJsonAsync(path, body);
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }

    private static List<JsonElement> Events(string sse)
    {
        var events = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        return [.. events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone())];
    }

    [Fact]
    public async Task StreamingCompletion_OneChunkPerToken_LastSaysLength_UsageChunk_Done()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        var (status, body) = await Post(h, "/v1/completions", new { model = EmulatorHarness.Model, prompt = Enumerable.Range(0, 100).ToArray(), max_tokens = 7, stream = true, stream_options = new { include_usage = true } });
        Assert.Equal(HttpStatusCode.OK, status);
        var events = Events(body);
        Assert.Equal(8, events.Count);
        var tokens = events[..7];
        Assert.All(tokens, e => Assert.Equal("text_completion", e.GetProperty("object").GetString()));
        Assert.Single(tokens.Select(e => e.GetProperty("id").GetString()).Distinct());
        Assert.All(tokens[..6], e => Assert.Equal(JsonValueKind.Null, e.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
        Assert.Equal("length", tokens[6].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = events[7].GetProperty("usage");
        Assert.Equal(0, events[7].GetProperty("choices").GetArrayLength());
        Assert.Equal((100, 7, 107), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32()));
    }

    [Fact]
    public async Task StreamingChat_FirstDeltaHasRole_NoUsageUnlessAsked()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        var (status, body) = await Post(h, "/v1/chat/completions", new { messages = new[] { new { role = "user", content = "Say hello in three words." } }, max_tokens = 3, stream = true });
        Assert.Equal(HttpStatusCode.OK, status);
        var events = Events(body);
        Assert.Equal(3, events.Count);
        Assert.Equal("assistant", events[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.False(events[1].GetProperty("choices")[0].GetProperty("delta").TryGetProperty("role", out _));
        Assert.All(events, e => Assert.False(e.TryGetProperty("usage", out _)));
        Assert.All(events, e => Assert.StartsWith("chatcmpl-", e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task WholeChat_CountsTemplateAndTextTokens_AndAnswersMaxTokens()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        // 4 template tokens + "Say hello in three words." (25 characters → 7 pieces of 4).
        var (status, body) = await Post(h, "/v1/chat/completions", new { model = EmulatorHarness.Model, messages = new[] { new { role = "user", content = "Say hello in three words." } }, max_tokens = 5 });
        Assert.Equal(HttpStatusCode.OK, status);
        var doc = JsonDocument.Parse(body).RootElement;
        Assert.Equal("chat.completion", doc.GetProperty("object").GetString());
        Assert.Equal(11, doc.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, doc.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var choice = doc.GetProperty("choices")[0];
        Assert.Equal(string.Concat(Enumerable.Repeat(" tok", 5)), choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task OutputLengthModel_StopsBeforeMaxTokens_UnlessIgnoreEos()
    {
        await using var h = await EmulatorHarness.StartWithAsync(o => o with { OutputLengths = OutputLengthModel.Parse("3", 4096, 1) });
        var (_, stopped) = await Post(h, "/v1/completions", new { prompt = "The quick brown fox", max_tokens = 10 });
        var (_, forced) = await Post(h, "/v1/completions", new { prompt = "The quick brown fox", max_tokens = 10, ignore_eos = true });
        var s = JsonDocument.Parse(stopped).RootElement;
        var f = JsonDocument.Parse(forced).RootElement;
        Assert.Equal(3, s.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("stop", s.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(10, f.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", f.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("""{"prompt": [1, 2, 3], "max_tokens": 62}""", 400, "maximum context length is 64 tokens")]
    [InlineData("""{"prompt": [1, 2, 3], "max_tokens": 0}""", 400, "max_tokens must be at least 1")]
    [InlineData("""{"max_tokens": 4}""", 400, "prompt is required")]
    [InlineData("""{"prompt": ["a", "b"], "max_tokens": 4}""", 400, "one request per prompt")]
    [InlineData("""{"prompt": [1, -2], "max_tokens": 4}""", 400, "prompt[1] is not a token id")]
    [InlineData("""{"model": "gpt-4", "prompt": "hi"}""", 404, "The model `gpt-4` does not exist.")]
    [InlineData("""{"prompt": "hi",""", 400, "Invalid JSON body")]
    public async Task BadRequests_GetVllmsErrorObject(string json, int status, string message)
    {
        await using var h = await EmulatorHarness.StartWithAsync(maxModelLen: 64);
        using var res = await h.Client.PostAsync("/v1/completions", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)res.StatusCode);
        var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("error", doc.GetProperty("object").GetString());
        Assert.Contains(message, doc.GetProperty("message").GetString());
        Assert.Equal(status, doc.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DefaultMaxTokens_Is16ForCompletions_TheRestOfTheContextForChat()
    {
        await using var h = await EmulatorHarness.StartWithAsync(maxModelLen: 64, speed: 200);
        var (_, completion) = await Post(h, "/v1/completions", new { prompt = new[] { 1, 2, 3, 4 } });
        var (_, chat) = await Post(h, "/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(16, JsonDocument.Parse(completion).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        // 4 template tokens + "hi" (1 token) = 5 prompt tokens: 59 left in a 64-token context.
        Assert.Equal(59, JsonDocument.Parse(chat).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task ModelsAndHealth()
    {
        await using var h = await EmulatorHarness.StartWithAsync(maxModelLen: 2048);
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/health")).StatusCode);
        var models = JsonDocument.Parse(await h.Client.GetStringAsync("/v1/models")).RootElement.GetProperty("data");
        Assert.Equal(EmulatorHarness.Model, models[0].GetProperty("id").GetString());
        Assert.Equal(2048, models[0].GetProperty("max_model_len").GetInt32());
    }
}

/// <summary>A client that does not read for a while: its tokens queue behind the pending flush, none lost or reordered.</summary>
public class SlowClientTests
{
    [Fact]
    public async Task AStalledReader_GetsEveryChunkInOrder_AndTheOthersAreNotHeldUp()
    {
        await using var h = await EmulatorHarness.StartWithAsync(speed: 500);
        using var msg = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(new { prompt = new[] { 1, 2, 3 }, max_tokens = 3000, stream = true }) };
        using var res = await h.Client.SendAsync(msg, HttpCompletionOption.ResponseHeadersRead);
        // While the slow stream's bytes pile up (~750 kB, more than the socket and Kestrel buffers hold), another
        // request is served in full.
        await Task.Delay(500);
        var (status, other) = await Post(h, "/v1/completions", new { prompt = "quick one", max_tokens = 5 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, JsonDocument.Parse(other).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var events = (await res.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.Equal(3000, chunks.Count);
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    private static async Task<(HttpStatusCode Status, string Body)> Post(EmulatorHarness h, string path, object body)
    {
        using var res = await h.Client.PostAsJsonAsync(path, body);
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }
}
