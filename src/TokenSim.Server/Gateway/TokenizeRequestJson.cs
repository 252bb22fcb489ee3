using System.Text.Json;

namespace TokenSim.Server.Gateway;

/// <summary>
/// The body of vLLM's <c>POST /tokenize</c>: the fields of a completion or chat request that decide its prompt
/// tokens, each as the client sent it and absent where the client left it out. Not <c>JsonElement?</c>: that reads a
/// JSON null as absent, while a field the client sent as null is passed on as null; an absent field is the default
/// element, which <see cref="GatewayJsonContext"/> leaves out.
/// </summary>
internal sealed record TokenizeRequestJson(
    JsonElement Model,
    JsonElement Messages,
    JsonElement Prompt,
    JsonElement PromptTokenIds,
    JsonElement ChatTemplate,
    JsonElement ChatTemplateKwargs,
    JsonElement AddGenerationPrompt,
    JsonElement ContinueFinalMessage,
    JsonElement Tools)
{
    /// <summary>Those fields of a completion or chat request's body; every other field is dropped.</summary>
    public static TokenizeRequestJson From(JsonElement body) => body.Deserialize(GatewayJsonContext.Default.TokenizeRequestJson)!;
}
