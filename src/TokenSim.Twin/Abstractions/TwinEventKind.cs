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
}
