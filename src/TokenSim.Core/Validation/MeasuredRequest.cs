namespace TokenSim.Core.Validation;

/// <summary>
/// One request of a measured vLLM run with its engine timestamps (engine monotonic clock, seconds). The metric
/// definitions are vLLM's: TTFT = first token − queued, TPOT = (last − first) / (output − 1), E2E = last − queued.
/// </summary>
public sealed record MeasuredRequest(string Id, int PromptTokens, int OutputTokens, double QueuedTs, double ScheduledTs, double FirstTokenTs, double LastTokenTs)
{
    public double Ttft => FirstTokenTs - QueuedTs;
    public double? Tpot => OutputTokens > 1 ? (LastTokenTs - FirstTokenTs) / (OutputTokens - 1) : null;
    public double E2e => LastTokenTs - QueuedTs;
}

/// <summary>One tick of a measured run's time series; null where the run did not record the value.</summary>
public readonly record struct MeasuredTick(double Time, double? Running, double? Waiting, double? KvCachePct, double? PromptThroughput = null, double? GenThroughput = null);
