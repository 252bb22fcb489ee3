using System.Text.Json.Serialization;

namespace TokenSim.Emulator.Json;

/// <summary>
/// A completion or chat completion, whole or one streamed chunk: <c>object</c> says which. A chunk carries
/// <see cref="Usage"/> only at the end of a stream that asked for it (with no choices); a whole answer always does.
/// </summary>
internal sealed record CompletionJson<TChoice>(
    string Id,
    string Object,
    long Created,
    string Model,
    TChoice[] Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageJson? Usage = null);

/// <summary>Token counts as OpenAI's <c>usage</c>.</summary>
internal sealed record UsageJson(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static UsageJson Of(int prompt, int completion) => new(prompt, completion, prompt + completion);
}
