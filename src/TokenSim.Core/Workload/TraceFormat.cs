namespace TokenSim.Core.Workload;

/// <summary>The request-trace formats TokenSim reads, detected from a file's content.</summary>
public enum TraceFormat
{
    /// <summary>Vidur processed trace: <c>arrived_at,num_prefill_tokens,num_decode_tokens</c> (seconds; arrival optional).</summary>
    Vidur,
    /// <summary>Azure LLM inference trace 2023: <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>.</summary>
    Azure,
    /// <summary>Mooncake JSONL: <c>timestamp</c> (ms), <c>input_length</c>, <c>output_length</c>, <c>hash_ids</c> (512-token blocks).</summary>
    Mooncake,
    /// <summary>LLMServingSim JSONL: <c>arrival_time_ns</c>, <c>input_toks</c>, <c>output_toks</c>, optional <c>input_tok_ids</c>.</summary>
    LlmServingSim,
}
