using System.Globalization;
using TokenSim.Core.Yaml;

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

    /// <summary>
    /// Reads a <c>power:</c> mapping, as YamlDotNet's deserializer gave it (the hardware catalog has checked that it is
    /// a mapping); errors name the file, the line and the field.
    /// </summary>
    internal static GpuPower Read(YamlMap<YamlText> map, string source, string field)
    {
        var values = new Dictionary<string, double>();
        foreach (var (key, line, value) in map.Entries)
        {
            if (Array.IndexOf(Fields, key) < 0) throw new FormatException($"{source}: line {line}: unknown field '{field}.{key}' (known: {string.Join(", ", Fields)}).");
            if (!double.TryParse(value.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d) || d < 0)
                throw new FormatException($"{source}: line {value.Line}: field '{field}.{key}' must be a non-negative number (got '{value.Value}').");
            values[key] = d;
        }
        double Need(string key) => values.TryGetValue(key, out var x) ? x
            : throw new FormatException($"{source}: line {map.Line}: field '{field}.{key}' is missing.");
        var power = new GpuPower { TdpWatts = Need("tdp_w"), StaticWatts = Need("static_w"), DramJoulesPerByte = Need("dram_pj_per_bit") * 8e-12 };
        if (power.TdpWatts <= power.StaticWatts)
            throw new FormatException($"{source}: line {map.Line}: field '{field}.tdp_w' ({power.TdpWatts} W) must exceed static_w ({power.StaticWatts} W).");
        return power;
    }
}
