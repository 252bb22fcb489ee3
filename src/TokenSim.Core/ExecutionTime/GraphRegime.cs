namespace TokenSim.Core.ExecutionTime;

/// <summary>How vLLM 0.19 runs a step's forward pass (<c>CudagraphDispatcher</c>, default <c>FULL_AND_PIECEWISE</c>).</summary>
public enum GraphRegime
{
    /// <summary>Every request decodes one token and the step fits a capture size: one whole-model graph replay.</summary>
    FullGraph,
    /// <summary>A step with prefill tokens that fits a capture size: graph pieces between layers, attention launched eagerly.</summary>
    Piecewise,
    /// <summary>A step above the largest capture size (or with <c>enforce_eager</c>): every kernel launched from the host.</summary>
    Eager,
}
