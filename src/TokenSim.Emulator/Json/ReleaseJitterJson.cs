using System.Text.Json.Serialization;

namespace TokenSim.Emulator.Json;

/// <summary>Not vLLM's: how late tokens left against the simulation's schedule (<c>/tokensim/release-jitter</c>).</summary>
internal sealed record ReleaseJitterJson(
    long Tokens,
    [property: JsonPropertyName("p50_s")] double P50Seconds,
    [property: JsonPropertyName("p99_s")] double P99Seconds,
    [property: JsonPropertyName("max_s")] double MaxSeconds);
