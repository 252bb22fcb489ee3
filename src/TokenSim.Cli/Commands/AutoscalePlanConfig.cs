using System.Globalization;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Planning;
using YamlDotNet.RepresentationModel;

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
    private static readonly string[] Keys = ["scenario", "up", "down", "up_cooldown_s", "down_cooldown_s", "plot"];

    public static (AutoscaleSearch Search, string? Plot) Read(YamlMappingNode map, string path)
    {
        int line = (int)map.Start.Line;
        var values = new Dictionary<string, (YamlNode Node, int Line)>();
        foreach (var (k, v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value!.Replace('-', '_');
            if (!Keys.Contains(key)) throw new FormatException($"{path}:{k.Start.Line}: unknown key 'autoscale.{key}'. Known: {string.Join(", ", Keys)}.");
            values[key] = (v, (int)k.Start.Line);
        }
        if (!values.TryGetValue("scenario", out var file))
            throw new FormatException($"{path}:{line}: autoscale.scenario is missing: a scenario file whose 'autoscale:' policy is the one to tune.");
        string scenarioPath = Scalar(file.Node, path, file.Line, "autoscale.scenario");
        // Relative to the config's folder, as a sweep's paths are; else to the current folder (a repository path).
        string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, scenarioPath);
        if (File.Exists(beside)) scenarioPath = beside;
        else if (!File.Exists(scenarioPath))
            throw new FormatException($"{path}:{file.Line}: autoscale.scenario '{scenarioPath}' does not exist (read from the config's folder, then the current one).");
        var scenario = ScenarioReader.ReadFile(scenarioPath);
        var p = scenario.Autoscale ?? throw new FormatException($"{path}:{file.Line}: {scenarioPath} has no 'autoscale:' policy to tune.");
        double[] Values(string key, double own) => values.TryGetValue(key, out var v) ? Numbers(v.Node, path, v.Line, $"autoscale.{key}") : [own];
        var search = new AutoscaleSearch(scenario, Values("up", p.Up), Values("down", p.Down), Values("up_cooldown_s", p.UpCooldownSeconds), Values("down_cooldown_s", p.DownCooldownSeconds));
        if (!search.Policies().Any()) throw new FormatException($"{path}:{line}: no autoscale.down value is below an autoscale.up value: no policy to try.");
        string? plot = values.TryGetValue("plot", out var pl) ? Scalar(pl.Node, path, pl.Line, "autoscale.plot") : null;
        return (search, plot);
    }

    private static string Scalar(YamlNode node, string path, int line, string field) =>
        node is YamlScalarNode s ? s.Value ?? "" : throw new FormatException($"{path}:{line}: '{field}' must be a single value.");

    private static double[] Numbers(YamlNode node, string path, int line, string field)
    {
        var raw = node switch
        {
            YamlSequenceNode seq => seq.Children.Select(c => Scalar(c, path, line, field)).ToArray(),
            YamlScalarNode s => [s.Value ?? ""],
            _ => throw new FormatException($"{path}:{line}: '{field}' must be a list of numbers."),
        };
        return raw.Select(r => double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d >= 0 ? d
            : throw new FormatException($"{path}:{line}: '{field}: {r}' must be a number, 0 or more.")).ToArray();
    }
}
