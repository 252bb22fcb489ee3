namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>What an autoscaling policy watches, averaged over the serving replicas at each evaluation.</summary>
public enum AutoscaleMetric
{
    /// <summary><c>waiting</c>: requests queued per serving replica (vLLM's <c>num_requests_waiting</c>).</summary>
    Waiting,
    /// <summary><c>kv</c>: KV-cache use of the serving replicas, 0 to 1 (vLLM's <c>kv_cache_usage_perc</c>).</summary>
    Kv,
    /// <summary>
    /// <c>queue-delay</c>: the longest a queued request has waited so far, in seconds, over the serving replicas: a
    /// latency SLO on TTFT read from live state (a request's TTFT is at least its wait).
    /// </summary>
    QueueDelay,
}
