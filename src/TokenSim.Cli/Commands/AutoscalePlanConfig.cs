using System.Globalization;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Planning;
using TokenSim.Core.Yaml;

namespace TokenSim.Cli.Commands;

/// <summary>
/// A plan config's <c>autoscale:</c> section: a scenario file holding the policy to tune (and the timeline, a burst),
/// the thresholds and cooldowns to try, and where to plot the answer's replicas over time.
/// <code>
/// autoscale:
///   scenario: examples/scenarios/azure-burst-autoscale.yaml
///   up: [0.25, 0.5, 1]            # lists; a single value is a one-element list; absent = the scenario's own
///   down: [0.05]
///   up_cooldown_s: [10, 30]
///   down_cooldown_s: [300]
///   plot: autoscale-replicas.png   # optional
/// </code>
/// </summary>
internal static class AutoscalePlanConfig
{
    public static (AutoscaleSearch Search, string? Plot) Read(PlanYaml.AutoscaleYaml map, string path)
    {
        int line = map.Line;
        if (map.Scenario is not { } file)
            throw new FormatException($"{path}:{line}: autoscale.scenario is missing: a scenario file whose 'autoscale:' policy is the one to tune.");
        string scenarioPath = Scalar(file, path, "autoscale.scenario");
        // Relative to the config's folder, as a sweep's paths are; else to the current folder (a repository path).
        string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, scenarioPath);
        if (File.Exists(beside)) scenarioPath = beside;
        else if (!File.Exists(scenarioPath))
            throw new FormatException($"{path}:{file.Line}: autoscale.scenario '{scenarioPath}' does not exist (read from the config's folder, then the current one).");
        var scenario = ScenarioReader.ReadFile(scenarioPath);
        var p = scenario.Autoscale ?? throw new FormatException($"{path}:{file.Line}: {scenarioPath} has no 'autoscale:' policy to tune.");
        double[] Values(YamlList<YamlText>? list, string key, double own) => list is null ? [own] : Numbers(list, path, $"autoscale.{key}");
        var search = new AutoscaleSearch(scenario, Values(map.Up, "up", p.Up), Values(map.Down, "down", p.Down),
            Values(map.UpCooldownS, "up_cooldown_s", p.UpCooldownSeconds), Values(map.DownCooldownS, "down_cooldown_s", p.DownCooldownSeconds));
        if (!search.Policies().Any()) throw new FormatException($"{path}:{line}: no autoscale.down value is below an autoscale.up value: no policy to try.");
        string? plot = map.Plot is { } pl ? Scalar(pl, path, "autoscale.plot") : null;
        return (search, plot);
    }

    private static string Scalar(YamlPositioned node, string path, string field) =>
        node.Shape == YamlShape.Scalar ? node.Text ?? "" : throw new FormatException($"{path}:{node.Line}: '{field}' must be a single value.");

    /// <summary>A list of numbers; a lone number is a list of one.</summary>
    private static double[] Numbers(YamlList<YamlText> list, string path, string field)
    {
        if (list.Shape == YamlShape.Mapping) throw new FormatException($"{path}:{list.Line}: '{field}' must be a list of numbers.");
        return list.Items.Select(item => Scalar(item, path, field) is var r
            && double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d >= 0 ? d
            : throw new FormatException($"{path}:{item.Line}: '{field}: {item.Text}' must be a number, 0 or more.")).ToArray();
    }
}
