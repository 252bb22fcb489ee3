namespace TokenSim.Twin.Abstractions;

/// <summary>What a production event reports; one per payload of the contract's <c>Event</c>.</summary>
public enum TwinEventKind
{
    RequestArrived,
    RequestScheduled,
    FirstToken,
    TokensProgress,
    RequestFinished,
    RequestAborted,
    RequestPreempted,
    EngineSnapshot,
    /// <summary>
    /// A finished request's whole outcome at once (a vLLM <c>llm_request</c> span): at its finish time, with its
    /// arrival, latencies and token counts. Closes a known request; records one the twin never saw arrive.
    /// </summary>
    RequestObserved,
}
