using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TokenSim.Emulator.Json;

/// <summary>
/// Source-generated serialization of every body the emulator answers with: snake_case keys in the order OpenAI's and
/// vLLM's responses have them, nulls written (vLLM writes <c>logprobs</c> and <c>stop_reason</c> as null). The bytes
/// are those the anonymous objects made before (WireFormatTests holds them): <see cref="JsonSerializerContext"/>'s
/// <c>Default</c> escapes as System.Text.Json's default encoder, which the SSE chunks always used, and
/// <see cref="Http"/> as ASP.NET Core's JSON options, which wrote the other bodies.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CompletionJson<ChatDeltaChoice>), TypeInfoPropertyName = "ChatChunk")]
[JsonSerializable(typeof(CompletionJson<ChatMessageChoice>), TypeInfoPropertyName = "ChatCompletion")]
[JsonSerializable(typeof(CompletionJson<TextChoice>), TypeInfoPropertyName = "TextCompletion")]
[JsonSerializable(typeof(ModelListJson))]
[JsonSerializable(typeof(TokenizeJson))]
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(ReleaseJitterJson))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext
{
    /// <summary>For HTTP bodies: ASP.NET Core's default encoder, the relaxed one, which escapes only what JSON requires.</summary>
    public static EmulatorJsonContext Http { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
