namespace TokenSim.Twin.Shadow;

/// <summary>How <see cref="FinishedOutputPredictor"/> turns finished requests into an expected output length.</summary>
public enum OutputPredictorKind
{
    /// <summary>The mean output length of recently finished requests.</summary>
    Mean,
    /// <summary>
    /// The mean fraction of max_tokens recently finished requests produced, times this request's max_tokens: clients
    /// size max_tokens to what they expect, and benchmarks that ignore EOS run each request to it.
    /// </summary>
    MaxTokensFraction,
}
