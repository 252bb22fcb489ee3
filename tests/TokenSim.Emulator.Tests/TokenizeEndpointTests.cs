using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TokenSim.Emulator.Tests;

/// <summary>vLLM's <c>POST /tokenize</c>: the ids the engine serves a completion or chat body with, as the twin's gateway asks for them.</summary>
public class TokenizeEndpointTests
{
    [Fact]
    public async Task Tokenize_GivesTheEnginesIds_ForPromptsAndChats()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        // "abcdefgh" is two 4-character pieces; a token-id prompt is used as it is.
        using var text = JsonDocument.Parse(await (await h.Client.PostAsJsonAsync("/tokenize", new { prompt = "abcdefgh" })).Content.ReadAsStringAsync());
        Assert.Equal(2, text.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(PromptTokenizer.Text("abcdefgh"), text.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(4096, text.RootElement.GetProperty("max_model_len").GetInt32());
        using var ids = JsonDocument.Parse(await (await h.Client.PostAsJsonAsync("/tokenize", new { prompt = new[] { 5, 6, 7 } })).Content.ReadAsStringAsync());
        Assert.Equal([5, 6, 7], ids.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        // A chat: 4 template tokens per message, then its content's pieces (one for "Hi").
        using var chat = JsonDocument.Parse(await (await h.Client.PostAsJsonAsync("/tokenize", new { messages = new[] { new { role = "user", content = "Hi" } } })).Content.ReadAsStringAsync());
        Assert.Equal(5, chat.RootElement.GetProperty("count").GetInt32());
        var bad = await h.Client.PostAsJsonAsync("/tokenize", new { nothing = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("prompt or messages", await bad.Content.ReadAsStringAsync());
    }
}
