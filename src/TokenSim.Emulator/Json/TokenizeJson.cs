namespace TokenSim.Emulator.Json;

/// <summary>vLLM's <c>POST /tokenize</c> answer; <c>token_strs</c> is null as vLLM's is unless asked for.</summary>
internal sealed record TokenizeJson(int Count, int MaxModelLen, int[] Tokens, string[]? TokenStrs = null);
