using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Grains;

/// <summary>A replica's forecasts, run on its live shadow between the batches it applies.</summary>
public sealed partial class ReplicaTwinGrain : IReplicaForecastGrain
{
    public Task<ReplicaForecast> ForecastAsync(ReplicaTwinConfig config, ForecastSpec spec) => Task.FromResult(Shadow(config).Forecast(spec));

    public Task<TrafficEstimate> GetTrafficAsync(ReplicaTwinConfig config) => Task.FromResult(Shadow(config).Traffic);

    public Task<ForecastScoreReport> GetForecastScoresAsync(ReplicaTwinConfig config)
    {
        var shadow = Shadow(config);
        var (issued, skipped) = shadow.ForecastsScored;
        return Task.FromResult(new ForecastScoreReport(shadow.ForecastScores, issued, skipped));
    }
}
