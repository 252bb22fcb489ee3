using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Grains;

/// <summary>A replica's forecasts, run on its live shadow between the batches it applies.</summary>
public sealed partial class ReplicaTwinGrain : IReplicaForecastGrain
{
    public async Task<ReplicaForecast> ForecastAsync(ReplicaTwinConfig config, ForecastSpec spec) => (await LiveAsync(config)).Shadow.Forecast(spec);

    public async Task<TrafficEstimate> GetTrafficAsync(ReplicaTwinConfig config) => (await LiveAsync(config)).Shadow.Traffic;

    public async Task<ForecastScoreReport> GetForecastScoresAsync(ReplicaTwinConfig config)
    {
        var shadow = (await LiveAsync(config)).Shadow;
        var (issued, skipped) = shadow.ForecastsScored;
        return new ForecastScoreReport(shadow.ForecastScores, issued, skipped);
    }
}
