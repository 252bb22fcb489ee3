using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Core.Entities;

/// <summary>
/// What the energy model (<see cref="Energy.PowerModel"/>) needs of a GPU, read from the <c>power:</c> block of
/// <c>data/hardware/gpus.yaml</c>: the board power limit, the power drawn with nothing running, and the energy of
/// moving a byte to or from device memory. Energy per FLOP is derived, not given (see <see cref="JoulesPerFlop"/>).
/// </summary>
public sealed record GpuPower
{
    /// <summary>Board power limit (TDP) from the datasheet.</summary>
    public required double TdpWatts { get; init; }
    /// <summary>Draw with a CUDA context and no kernel running: paid whether or not a step runs.</summary>
    public required double StaticWatts { get; init; }
    /// <summary>Energy of one byte of DRAM traffic (8 × the file's pJ/bit).</summary>
    public required double DramJoulesPerByte { get; init; }

    /// <summary>
    /// Energy per FLOP at <paramref name="peakFlops"/>: a GPU sustaining its dense peak tensor rate draws its power
    /// limit, so (TDP − static) / peak. Derived from datasheet figures, never fitted to a measured energy.
    /// </summary>
    public double JoulesPerFlop(double peakFlops) => (TdpWatts - StaticWatts) / peakFlops;

    private static readonly string[] Fields = ["tdp_w", "static_w", "dram_pj_per_bit"];

    /// <summary>Parses a <c>power:</c> mapping; errors name the file, the line and the field.</summary>
    public static GpuPower Read(YamlNode node, string source, string field)
    {
        var map = node as YamlMappingNode ?? throw new FormatException($"{source}: line {node.Start.Line}: field '{field}' must be a mapping.");
        var values = new Dictionary<string, double>();
        foreach (var (k, v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value ?? "";
            if (Array.IndexOf(Fields, key) < 0) throw new FormatException($"{source}: line {k.Start.Line}: unknown field '{field}.{key}' (known: {string.Join(", ", Fields)}).");
            string raw = (v as YamlScalarNode)?.Value ?? "";
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d) || d < 0)
                throw new FormatException($"{source}: line {v.Start.Line}: field '{field}.{key}' must be a non-negative number (got '{raw}').");
            values[key] = d;
        }
        double Need(string key) => values.TryGetValue(key, out var x) ? x
            : throw new FormatException($"{source}: line {node.Start.Line}: field '{field}.{key}' is missing.");
        var power = new GpuPower { TdpWatts = Need("tdp_w"), StaticWatts = Need("static_w"), DramJoulesPerByte = Need("dram_pj_per_bit") * 8e-12 };
        if (power.TdpWatts <= power.StaticWatts)
            throw new FormatException($"{source}: line {node.Start.Line}: field '{field}.tdp_w' ({power.TdpWatts} W) must exceed static_w ({power.StaticWatts} W).");
        return power;
    }
}
