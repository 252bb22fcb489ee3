using System.Text;
using System.Text.Json;
using TokenSim.Server.Gateway;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The body the gateway sends a replica's <c>POST /tokenize</c>: the prompt-deciding fields in vLLM's order, each
/// value exactly as the client sent it (a JSON null included), every other field dropped, compact.
/// </summary>
public class TokenizeRequestJsonTests
{
    [Theory]
    [InlineData("""{"max_tokens":5,"prompt":"hi","model":"m","stream":true}""", """{"model":"m","prompt":"hi"}""")]
    [InlineData("""{"model":"m","prompt":null}""", """{"model":"m","prompt":null}""")]
    [InlineData("""{"tools":[{"type":"function"}],"messages":[{"role":"user","content":"a<b"}],"add_generation_prompt":false,"chat_template_kwargs":{"x":1.50}}""",
        """{"messages":[{"role":"user","content":"a\u003Cb"}],"chat_template_kwargs":{"x":1.50},"add_generation_prompt":false,"tools":[{"type":"function"}]}""")]
    [InlineData("""{"prompt_token_ids":[1,2],"continue_final_message":true,"chat_template":"t"}""", """{"prompt_token_ids":[1,2],"chat_template":"t","continue_final_message":true}""")]
    [InlineData("""{"Model":"m","temperature":0}""", "{}")]
    public void KeepsThePromptFields_InOrder_AsSent(string request, string expected)
    {
        using var body = JsonDocument.Parse(request);
        var sent = JsonSerializer.SerializeToUtf8Bytes(TokenizeRequestJson.From(body.RootElement), GatewayJsonContext.Default.TokenizeRequestJson);
        Assert.Equal(expected, Encoding.UTF8.GetString(sent));
    }
}
