namespace TokenSim.Server.Demo;

/// <summary>The streaming chat completion <c>--demo</c>'s load sends: what an OpenAI client's body holds, in its order.</summary>
internal sealed record DemoChatRequest(string Model, bool Stream, int MaxTokens, DemoChatMessage[] Messages);

/// <summary>One message of <see cref="DemoChatRequest"/>.</summary>
internal sealed record DemoChatMessage(string Role, string Content);
