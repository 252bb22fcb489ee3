using System.Text.Json.Serialization;

namespace TokenSim.Emulator.Json;

// Logprobs and stop_reason are always null here (no logprobs are asked for, no stop string is matched); they are
// typed as strings only so that the generator has a type to write null for.

/// <summary>A streamed chat chunk's choice: the role rides on the first delta only.</summary>
internal sealed record ChatDeltaChoice(int Index, ChatDeltaJson Delta, string? Logprobs, string? FinishReason, string? StopReason);

/// <summary>A chat delta: <c>{"role":"assistant","content":…}</c> first, then <c>{"content":…}</c>.</summary>
internal sealed record ChatDeltaJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    string Content);

/// <summary>A whole chat completion's choice.</summary>
internal sealed record ChatMessageChoice(int Index, ChatMessageJson Message, string? Logprobs, string? FinishReason, string? StopReason);

/// <summary>The assistant's message of a whole chat completion.</summary>
internal sealed record ChatMessageJson(string Role, string Content);

/// <summary>A text completion's choice, streamed or whole.</summary>
internal sealed record TextChoice(int Index, string Text, string? Logprobs, string? FinishReason, string? StopReason);
