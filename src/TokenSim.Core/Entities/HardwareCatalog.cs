using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace TokenSim.Core.Entities;

/// <summary>
/// The built-in accelerators (<c>data/hardware/gpus.yaml</c>, sources cited there) and user-defined ones read
/// from a file in the same schema. Lookups accept the CLI name or any alias (e.g. <c>RTXPRO6000</c>,
/// <c>NVIDIA GeForce RTX 4090</c>), ignoring case, spaces, dashes and underscores.
/// </summary>
public static class HardwareCatalog
{
    private static readonly Lazy<IReadOnlyList<HardwareSpec>> BuiltIn = new(() =>
    {
        using var stream = EmbeddedData.Open("hardware/gpus.yaml");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "embedded hardware/gpus.yaml");
    });

    public static IReadOnlyList<HardwareSpec> All => BuiltIn.Value;
    public static IEnumerable<string> Names => All.Select(h => h.Name);

    public static bool TryGet(string nameOrAlias, out HardwareSpec spec)
    {
        var key = Key(nameOrAlias);
        foreach (var h in All)
        {
            if (Key(h.Name) == key || h.Aliases.Any(a => Key(a) == key)) { spec = h; return true; }
        }
        spec = null!;
        return false;
    }

    /// <summary>Resolves a catalog name or alias, or reads a YAML file with one GPU (or a <c>gpus:</c> list, first entry).</summary>
    public static HardwareSpec Resolve(string nameOrPath)
    {
        if (TryGet(nameOrPath, out var spec)) return spec;
        if (File.Exists(nameOrPath)) return ReadFile(nameOrPath)[0];
        throw new ArgumentException($"Unknown hardware '{nameOrPath}'. Known: {string.Join(", ", Names)}; or give a path to a YAML file in the schema of data/hardware/gpus.yaml.");
    }

    public static IReadOnlyList<HardwareSpec> ReadFile(string path) => Parse(File.ReadAllText(path), path);

    private static string Key(string s) => new(s.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    internal static IReadOnlyList<HardwareSpec> Parse(string yaml, string source)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        HardwareFile? file;
        try
        {
            // A file may hold a list under 'gpus:' or a single GPU at the top level.
            file = yaml.Contains("gpus:", StringComparison.Ordinal)
                ? deserializer.Deserialize<HardwareFile>(yaml)
                : new HardwareFile { Gpus = [deserializer.Deserialize<HardwareDto>(yaml)] };
        }
        catch (YamlException e)
        {
            throw new FormatException($"{source}: line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
        }
        if (file?.Gpus is not { Count: > 0 }) throw new FormatException($"{source}: no GPUs defined (expected 'gpus:' list or a single GPU mapping).");
        return file.Gpus.Select((g, i) => g.ToSpec(source, i)).ToArray();
    }

    private sealed class HardwareFile
    {
        public List<HardwareDto> Gpus { get; set; } = [];
    }

    private sealed class LinkDto
    {
        public string? Name { get; set; }
        public int? Generation { get; set; }
        public double BandwidthBytesPerS { get; set; }
        public double LatencyS { get; set; }

        public LinkSpec? ToSpec(string fallbackName, double defaultLatency) =>
            BandwidthBytesPerS > 0 ? new LinkSpec(Name ?? fallbackName, BandwidthBytesPerS, LatencyS > 0 ? LatencyS : defaultLatency) : null;
    }

    private sealed class HardwareDto
    {
        public string? Name { get; set; }
        public List<string> Aliases { get; set; } = [];
        public string? Vendor { get; set; }
        public long MemoryBytes { get; set; }
        public double MemoryBandwidthBytesPerS { get; set; }
        public Dictionary<string, double> Flops { get; set; } = [];
        public LinkDto? IntraNodeLink { get; set; }
        public LinkDto? Pcie { get; set; }
        public LinkDto? InterNode { get; set; }
        public int GpusPerNode { get; set; } = 8;
        public List<string> Sources { get; set; } = [];

        public HardwareSpec ToSpec(string source, int index)
        {
            string where = $"{source}: GPU #{index + 1}{(Name is null ? "" : $" '{Name}'")}";
            if (string.IsNullOrWhiteSpace(Name)) throw new FormatException($"{where}: field 'name' is missing.");
            if (MemoryBytes <= 0) throw new FormatException($"{where}: field 'memory_bytes' must be a positive number of bytes.");
            if (MemoryBandwidthBytesPerS <= 0) throw new FormatException($"{where}: field 'memory_bandwidth_bytes_per_s' must be positive.");
            if (Flops.Count == 0 || Flops.Values.Any(f => f <= 0)) throw new FormatException($"{where}: field 'flops' needs at least one positive dtype entry (e.g. bf16: 3.12e14).");
            var pcie = Pcie?.ToSpec("pcie", 1e-5);
            var intra = IntraNodeLink?.ToSpec("nvlink", 1e-5) ?? pcie
                ?? throw new FormatException($"{where}: field 'intra_node_link' (or 'pcie') with 'bandwidth_bytes_per_s' is required.");
            return new HardwareSpec
            {
                Name = Name,
                Aliases = Aliases,
                Vendor = Vendor ?? "",
                MemoryBytes = MemoryBytes,
                MemoryBandwidthBytesPerSecond = MemoryBandwidthBytesPerS,
                Flops = Flops.ToDictionary(kv => DTypes.Normalize(kv.Key), kv => kv.Value),
                IntraNodeLink = intra,
                Pcie = pcie,
                InterNode = InterNode?.ToSpec("network", 1e-5),
                GpusPerNode = GpusPerNode,
            };
        }
    }
}
