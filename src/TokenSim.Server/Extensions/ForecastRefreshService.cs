using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Extensions;

/// <summary>
/// Every <see cref="ServerSettings.ForecastIntervalSeconds"/> of wall time, forecasts each active deployment
/// (<see cref="Horizons"/> ahead, <see cref="Seeds"/> seeds) and exports it with its forecast scores; with a standing
/// scenario (<see cref="ServerSettings.ForecastScenario"/>), also the forecast with and without it.
/// </summary>
public sealed partial class ForecastRefreshService(IGrainFactory grains, ForecastMetrics metrics, ForecastScenarioMetrics scenarioMetrics, ServerSettings settings,
    TimeProvider time, ILogger<ForecastRefreshService> log) : BackgroundService
{
    /// <summary>The standing scenario's text, read once at start (the settings checked it parses).</summary>
    private readonly string? _scenario = StandingScenario.Text(settings);

    /// <summary>The horizons exported, in seconds; one forecast samples them all (its step divides each).</summary>
    public static readonly double[] Horizons = [10, 30, 60];
    public const double StepSeconds = 10;
    public const int Seeds = 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.ForecastIntervalSeconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.ForecastIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            IEnumerable<string> active;
            try
            {
                active = await ActiveDeploymentsAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Listing asks every silo; while one is dead (until membership declares it) the call fails. An
                // exception out of a BackgroundService stops the host, so a silo's failure would take a front end down.
                LogListingFailed(log, e);
                continue;
            }
            foreach (var name in active)
            {
                if (stoppingToken.IsCancellationRequested) return;
                await RefreshAsync(name);
            }
        }
    }

    /// <summary>Deployments whose grain is active in the cluster: the ones receiving events (idle ones deactivate).</summary>
    private async Task<IEnumerable<string>> ActiveDeploymentsAsync()
    {
        var type = grains.GetGrain<IDeploymentTwinGrain>("-").GetGrainId().Type;
        var active = await grains.GetGrain<IManagementGrain>(0).GetActiveGrains(type);
        return active.Select(id => id.Key.ToString()!).Order(StringComparer.Ordinal);
    }

    public async Task RefreshAsync(string deployment)
    {
        long started = time.GetTimestamp();
        try
        {
            var grain = grains.GetGrain<IDeploymentForecastGrain>(deployment);
            var spec = new ForecastSpec { HorizonSeconds = Horizons[^1], StepSeconds = StepSeconds, Seeds = Seeds };
            if (await grain.ForecastAsync(spec, 0) is not { } forecast) return;
            metrics.Forecast(forecast, Horizons, time.GetElapsedTime(started).TotalSeconds);
            if (await grain.GetForecastScoresAsync() is { } scores) metrics.Scores(deployment, scores);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One deployment's failure must not stop the others' refreshes; it is counted and logged, not hidden.
            metrics.RefreshFailed(deployment);
            LogRefreshFailed(log, e, deployment);
        }
        if (_scenario is not null) await RefreshScenarioAsync(deployment, _scenario);
    }

    /// <summary>The forecast under the standing scenario, which carries the one without it (the same seeds and live state).</summary>
    private async Task RefreshScenarioAsync(string deployment, string scenario)
    {
        try
        {
            var spec = new ForecastSpec { HorizonSeconds = Horizons[^1], StepSeconds = StepSeconds, Seeds = Seeds, Scenario = scenario };
            if (await grains.GetGrain<IDeploymentForecastGrain>(deployment).ForecastAsync(spec, 0) is { } forecast) scenarioMetrics.Forecast(forecast, Horizons);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A scenario naming a replica this deployment lacks fails here, every time: counted and logged, the plain forecast kept.
            scenarioMetrics.Failed(deployment);
            LogScenarioFailed(log, e, deployment);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing the active deployments for the forecast refresh failed; retrying at the next tick")]
    private static partial void LogListingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the forecast of deployment {Deployment} failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string deployment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the forecast of deployment {Deployment} under the standing scenario (--forecast-scenario) failed")]
    private static partial void LogScenarioFailed(ILogger logger, Exception exception, string deployment);
}
