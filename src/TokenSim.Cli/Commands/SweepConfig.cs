using TokenSim.Core.Simulation;
using System.Globalization;
using YamlDotNet.RepresentationModel;

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
        var root = YamlConfig.Load(path) ?? throw new FormatException($"{path}: the sweep config is empty.");
        var settings = new SimulateSettings();
        var grid = new List<(string, IReadOnlyList<string>)>();
        double? ttft = null, tpot = null, e2e = null;
        var cost = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        string? output = null, plot = null;
        foreach (var (k, v) in root.Children)
        {
            string key = ((YamlScalarNode)k).Value!;
            int line = (int)k.Start.Line;
            switch (key)
            {
                case "base":
                    foreach (var (bk, bv) in Map(v, path, line, key).Children)
                        YamlConfig.Set(settings, ((YamlScalarNode)bk).Value!, Scalar(bv, path, (int)bk.Start.Line), path, (int)bk.Start.Line);
                    break;
                case "grid":
                    foreach (var (gk, gv) in Map(v, path, line, key).Children)
                    {
                        if (gv is not YamlSequenceNode seq || seq.Children.Count == 0)
                            throw new FormatException($"{path}:{gk.Start.Line}: grid option '{gk}' needs a non-empty list of values.");
                        var values = seq.Children.Select(x => Scalar(x, path, (int)x.Start.Line)).ToList();
                        // Validate each value now, on a scratch copy, so a typo fails before any simulation runs.
                        foreach (var value in values) YamlConfig.Set(settings.Clone(), ((YamlScalarNode)gk).Value!, value, path, (int)gk.Start.Line);
                        grid.Add((((YamlScalarNode)gk).Value!, values));
                    }
                    break;
                case "slo":
                    foreach (var (sk, sv) in Map(v, path, line, key).Children)
                    {
                        double limit = Positive(Scalar(sv, path, (int)sk.Start.Line), path, (int)sk.Start.Line, ((YamlScalarNode)sk).Value!);
                        switch (((YamlScalarNode)sk).Value)
                        {
                            case "ttft_s": ttft = limit; break;
                            case "tpot_s": tpot = limit; break;
                            case "e2e_s": e2e = limit; break;
                            default: throw new FormatException($"{path}:{sk.Start.Line}: unknown SLO '{sk}'. Known: ttft_s, tpot_s, e2e_s.");
                        }
                    }
                    break;
                case "cost_per_gpu_hour":
                    foreach (var (ck, cv) in Map(v, path, line, key).Children)
                        cost[((YamlScalarNode)ck).Value!] = Positive(Scalar(cv, path, (int)ck.Start.Line), path, (int)ck.Start.Line, ((YamlScalarNode)ck).Value!);
                    break;
                case "output": output = Scalar(v, path, line); break;
                case "plot": plot = Scalar(v, path, line); break;
                default: throw new FormatException($"{path}:{line}: unknown sweep key '{key}'. Known: base, grid, slo, cost_per_gpu_hour, output, plot.");
            }
        }
        if (grid.Count == 0) throw new FormatException($"{path}: 'grid' is missing: a sweep needs at least one option with a list of values.");
        output ??= "sweep.csv";
        plot ??= System.IO.Path.ChangeExtension(output, ".png");
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

    private static YamlMappingNode Map(YamlNode node, string path, int line, string key) =>
        node as YamlMappingNode ?? throw new FormatException($"{path}:{line}: '{key}' must be a mapping.");

    private static string Scalar(YamlNode node, string path, int line) =>
        node is YamlScalarNode s ? s.Value ?? "" : throw new FormatException($"{path}:{line}: expected a single value.");

    private static double Positive(string raw, string path, int line, string key) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d
            : throw new FormatException($"{path}:{line}: '{key}: {raw}' must be a positive number.");
}
