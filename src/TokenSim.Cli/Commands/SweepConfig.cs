using TokenSim.Core.Simulation;
using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.Yaml;

namespace TokenSim.Cli.Commands;

/// <summary>
/// A sweep: base settings, a grid of option values whose product gives the points, SLOs for goodput, GPU prices.
/// <code>
/// base: {model: llama-3.1-8b, workload: "poisson:rate=8,n=2000"}
/// grid: {hardware: [a100-80g, h100-sxm], replicas: [1, 2, 4], scheduler: [vllm-v1, sarathi]}
/// slo: {ttft_s: 0.5, tpot_s: 0.05}
/// cost_per_gpu_hour: {a100-80g: 1.8, h100-sxm: 3.2}
/// output: sweep.csv
/// </code>
/// </summary>
internal sealed record SweepConfig(
    string Path,
    SimulateSettings Base,
    IReadOnlyList<(string Option, IReadOnlyList<string> Values)> Grid,
    double? TtftSlo, double? TpotSlo, double? E2eSlo,
    IReadOnlyDictionary<string, double> CostPerGpuHour,
    string Output, string Plot)
{
    public static SweepConfig Read(string path)
    {
        var root = YamlConfig.Read<SweepYaml>(path) ?? throw new FormatException($"{path}: the sweep config is empty.");
        if (root.Shape != YamlShape.Mapping) throw YamlConfig.NotAMapping(path);
        var settings = new SimulateSettings();
        if (root.Base is { } baseMap)
            foreach (var (key, line, value) in Map(baseMap, path, root.LineOf("base"), "base").Entries)
                YamlConfig.Set(settings, key, Scalar(value, path, line), path, line);
        var grid = new List<(string, IReadOnlyList<string>)>();
        if (root.Grid is { } gridMap)
            foreach (var (option, line, list) in Map(gridMap, path, root.LineOf("grid"), "grid").Entries)
            {
                if (list.Shape != YamlShape.Sequence || list.Items.Count == 0)
                    throw new FormatException($"{path}:{line}: grid option '{option}' needs a non-empty list of values.");
                var values = list.Items.Select(x => Scalar(x, path, x.Line)).ToList();
                // Validate each value now, on a scratch copy, so a typo fails before any simulation runs.
                foreach (var value in values) YamlConfig.Set(settings.Clone(), option, value, path, line);
                grid.Add((option, values));
            }
        double? ttft = null, tpot = null, e2e = null;
        if (root.Slo is { } slo)
        {
            Map(slo, path, root.LineOf("slo"), "slo");
            double? Limit(YamlText? v, string key) => v is null ? null : Positive(Scalar(v, path, slo.LineOf(key)), path, slo.LineOf(key), key);
            (ttft, tpot, e2e) = (Limit(slo.TtftS, "ttft_s"), Limit(slo.TpotS, "tpot_s"), Limit(slo.E2eS, "e2e_s"));
        }
        var cost = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (root.CostPerGpuHour is { } costMap)
            foreach (var (gpu, line, value) in Map(costMap, path, root.LineOf("cost_per_gpu_hour"), "cost_per_gpu_hour").Entries)
            {
                cost[gpu] = Positive(Scalar(value, path, line), path, line, gpu);
                if (cost[gpu] > EngineLimits.MaxCostPerGpuHour)
                    throw new FormatException($"{path}:{line}: '{gpu}: {Scalar(value, path, line)}' must be a price of at most {EngineLimits.MaxCostPerGpuHour:N0} per GPU-hour.");
            }
        if (grid.Count == 0) throw new FormatException($"{path}: 'grid' is missing: a sweep needs at least one option with a list of values.");
        string output = root.Output is { } o ? Scalar(o, path, root.LineOf("output")) : "sweep.csv";
        string plot = root.Plot is { } p ? Scalar(p, path, root.LineOf("plot")) : System.IO.Path.ChangeExtension(output, ".png");
        return new SweepConfig(path, settings, grid, ttft, tpot, e2e, cost, output, plot);
    }

    public long Points => Grid.Aggregate(1L, (n, g) => n * g.Values.Count);

    /// <summary>The settings of point <paramref name="index"/> (row-major over the grid) and its option values.</summary>
    public (SimulateSettings Settings, string[] Values) Point(long index)
    {
        var s = Base.Clone();
        var values = new string[Grid.Count];
        for (int i = Grid.Count - 1; i >= 0; i--)
        {
            var (option, options) = Grid[i];
            values[i] = options[(int)(index % options.Count)];
            index /= options.Count;
            YamlConfig.Set(s, option, values[i], Path, 0);
        }
        return (s, values);
    }

    private static T Map<T>(T node, string path, int line, string key) where T : YamlPositioned =>
        node.Shape == YamlShape.Mapping ? node : throw new FormatException($"{path}:{line}: '{key}' must be a mapping.");

    private static string Scalar(YamlPositioned node, string path, int line) =>
        node.Shape == YamlShape.Scalar && node.Text is { } text ? text : throw new FormatException($"{path}:{line}: expected a single value.");

    private static double Positive(string raw, string path, int line, string key) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d
            : throw new FormatException($"{path}:{line}: '{key}: {raw}' must be a positive number.");
}
