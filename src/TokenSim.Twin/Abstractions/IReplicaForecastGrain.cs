namespace TokenSim.Twin.Abstractions;

/// <summary>A replica twin's forecasts: the same activation as its <see cref="IReplicaTwinGrain"/> (same key).</summary>
public interface IReplicaForecastGrain : IGrainWithStringKey
{
    /// <summary>Forks the replica's live simulated state and runs it forward (<see cref="ForecastSpec"/>).</summary>
    /// <remarks>Interleaved: it forks on the replica's turn, between batches, and runs the forks off it, and batches
    /// are applied and acknowledged meanwhile (<see cref="Grains.ReplicaTwinGrain"/>).</remarks>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ReplicaForecast> ForecastAsync(ReplicaTwinConfig config, ForecastSpec spec);

    /// <summary>What the replica holds now in each seed's fork, with its clock, traffic and step correction: a
    /// deployment forecast that simulates the replicas as one starts from it (<see cref="IForecastWorkerGrain.ForecastFleetAsync"/>).</summary>
    Task<LiveReplicaState> HeldAsync(ReplicaTwinConfig config, int seeds);

    /// <summary>The traffic the replica learned from its recent arrivals.</summary>
    Task<TrafficEstimate> GetTrafficAsync(ReplicaTwinConfig config);

    /// <summary>How the forecasts scored on the production clock did so far: every snapshot applied before the call.</summary>
    /// <remarks>Interleaved: it waits for the scored forecasts in flight, which run off the turn, while batches are
    /// applied and acknowledged; not interleaved, a replica's batches waited behind them (docs/operations.md).</remarks>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ForecastScoreReport> GetForecastScoresAsync(ReplicaTwinConfig config);
}
