namespace TokenSim.Emulator;

/// <summary>The attribute keys of vLLM's <c>llm_request</c> span (vllm/tracing/utils.py, those V1 sets).</summary>
public static class SpanAttributes
{
    public const string RequestId = "gen_ai.request.id";
    public const string PromptTokens = "gen_ai.usage.prompt_tokens";
    public const string CompletionTokens = "gen_ai.usage.completion_tokens";
    public const string TimeToFirstToken = "gen_ai.latency.time_to_first_token";
    public const string E2e = "gen_ai.latency.e2e";
    public const string TimeInQueue = "gen_ai.latency.time_in_queue";
    public const string TimeInModelPrefill = "gen_ai.latency.time_in_model_prefill";
    public const string TimeInModelDecode = "gen_ai.latency.time_in_model_decode";
    public const string TimeInModelInference = "gen_ai.latency.time_in_model_inference";
    public const string MaxTokens = "gen_ai.request.max_tokens";
    public const string Temperature = "gen_ai.request.temperature";
    public const string TopP = "gen_ai.request.top_p";
    public const string N = "gen_ai.request.n";
}
