using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Sources;

/// <summary>
/// Hands the events a native source derived to their deployment grain, as <c>Ingest</c> does for the gRPC contract,
/// and exports the same metrics (events by type and outcome, replica state, completed requests).
/// </summary>
public sealed class TwinSink(IGrainFactory grains, TokenSimMetrics metrics)
{
    /// <summary>Events per grain call, as the gRPC contract bounds a batch.</summary>
    public const int MaxBatch = 1000;

    /// <summary>Whether the deployment is registered.</summary>
    public async Task<DeploymentSummary?> DeploymentAsync(string name) => await grains.GetGrain<IDeploymentTwinGrain>(name).GetAsync();

    public IDeploymentTwinGrain Grain(string name) => grains.GetGrain<IDeploymentTwinGrain>(name);

    /// <summary>One outcome per event, in order; null when the deployment is not registered (nothing applied).</summary>
    public async Task<EventOutcome[]?> IngestAsync(string deployment, IReadOnlyList<TwinEvent> events)
    {
        var outcomes = new EventOutcome[events.Count];
        for (int start = 0; start < events.Count; start += MaxBatch)
        {
            var chunk = events.Skip(start).Take(MaxBatch).ToArray();
            var result = await grains.GetGrain<IDeploymentTwinGrain>(deployment).IngestAsync(chunk);
            if (!result.Found) return null;
            Array.Copy(result.Outcomes, 0, outcomes, start, chunk.Length);
            foreach (var status in result.Replicas) metrics.Update(deployment, status);
            foreach (var done in result.Completed) metrics.Completed(deployment, done);
            for (int i = 0; i < chunk.Length; i++) metrics.CountEvent(deployment, TypeLabel(chunk[i].Kind), result.Outcomes[i].Kind);
        }
        return outcomes;
    }

    /// <summary>The <c>type</c> label of <c>tokensim_events_ingested_total</c> for an event the sources made.</summary>
    public static string TypeLabel(TwinEventKind kind) => kind switch
    {
        TwinEventKind.RequestArrived => "request_arrived",
        TwinEventKind.RequestScheduled => "request_scheduled",
        TwinEventKind.FirstToken => "first_token",
        TwinEventKind.TokensProgress => "tokens_progress",
        TwinEventKind.RequestFinished => "request_finished",
        TwinEventKind.RequestAborted => "request_aborted",
        TwinEventKind.RequestPreempted => "request_preempted",
        TwinEventKind.EngineSnapshot => "engine_snapshot",
        TwinEventKind.RequestObserved => "request_observed",
        _ => "none",
    };
}
