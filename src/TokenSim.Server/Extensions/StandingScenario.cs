using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The scenario the server's refreshed forecasts also run (<c>--forecast-scenario FILE</c>): its text, sent as a
/// forecast's scenario, so the dashboards show the deployment with and without it (docs/scenarios.md).
/// </summary>
public static class StandingScenario
{
    /// <summary>The file's first problem as one line naming the flag (and the file's line), or null.</summary>
    public static string? Problem(string path)
    {
        if (!File.Exists(path)) return $"--forecast-scenario: the file '{path}' does not exist.";
        try
        {
            ScenarioReader.Parse(File.ReadAllText(path), path);
            return null;
        }
        catch (FormatException e)
        {
            return $"--forecast-scenario: {e.Message}";
        }
    }

    /// <summary>The scenario's text, or null when none is set.</summary>
    public static string? Text(ServerSettings settings) => settings.ForecastScenario is { } path ? File.ReadAllText(path) : null;
}
