using System.Globalization;
using TokenSim.Core.Yaml;

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
        return Parse(reader.ReadToEnd(), "embedded hardware/gpus.yaml", embedded: true);
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
        // GPU names hold no slash and no extension: this was meant as a file.
        if (nameOrPath.Contains('/') || nameOrPath.Contains('\\') || nameOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || nameOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--hardware {nameOrPath}: no such file (a GPU YAML file in the schema of data/hardware/gpus.yaml, or a catalog name: {string.Join(", ", Names)}).");
        throw new ArgumentException($"Unknown hardware '{nameOrPath}'. Known: {string.Join(", ", Names)}; or give a path to a YAML file in the schema of data/hardware/gpus.yaml.");
    }

    public static IReadOnlyList<HardwareSpec> ReadFile(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>A loop rather than LINQ over chars: those iterators over a value type are not precompiled, and every
    /// start compiled them for the catalog's names and aliases.</summary>
    private static string Key(string s)
    {
        var key = new System.Text.StringBuilder(s.Length);
        foreach (char c in s)
            if (char.IsLetterOrDigit(c)) key.Append(char.ToLowerInvariant(c));
        return key.ToString();
    }

    /// <summary>
    /// A hardware file through YamlDotNet's deserializer (<see cref="HardwareYaml"/>). Each GPU's fields are checked in
    /// file order, so the first mistake in the file is the one named, by line and field; a YAML error gives the line
    /// and column.
    /// </summary>
    internal static IReadOnlyList<HardwareSpec> Parse(string yaml, string source, bool embedded = false)
    {
        var root = YamlRecords.Parse<HardwareYaml>(yaml, source, (message, e) => new FormatException(message, e),
            at => $"{source}: line {at.Line}, column {at.Column}: ", wholeStreamFirst: !embedded);
        if (root is not { Shape: YamlShape.Mapping }) throw NoGpus(source);
        // A file may hold a list under 'gpus:' or a single GPU at the top level.
        IReadOnlyList<HardwareYaml> gpus = root.Gpus is not { } list ? [root]
            : list.Shape == YamlShape.Sequence ? list.Items : throw new FormatException($"{source}: line {list.Line}: 'gpus' must be a list.");
        if (gpus.Count == 0) throw NoGpus(source);
        return gpus.Select((g, i) => Dto(g, source).ToSpec(source, i)).ToArray();
    }

    private static FormatException NoGpus(string source) => new($"{source}: no GPUs defined (expected 'gpus:' list or a single GPU mapping).");

    private static HardwareDto Dto(HardwareYaml gpu, string source)
    {
        if (gpu.Shape != YamlShape.Mapping) throw new FormatException($"{source}: line {gpu.Line}: a GPU must be a mapping.");
        var dto = new HardwareDto();
        foreach (string key in gpu.Keys)
        {
            switch (key)
            {
                case "name": dto.Name = Text(gpu.Name!, source, key); break;
                case "vendor": dto.Vendor = Text(gpu.Vendor!, source, key); break;
                case "aliases": dto.Aliases = Seq(gpu.Aliases!, source, key).Items.Select(x => Text(x, source, key)).ToList(); break;
                case "sources": Seq(gpu.Sources!, source, key); break;
                case "memory_bytes": dto.MemoryBytes = (long)Number(gpu.MemoryBytes!, source, key); break;
                case "memory_bandwidth_bytes_per_s": dto.MemoryBandwidthBytesPerS = Number(gpu.MemoryBandwidthBytesPerS!, source, key); break;
                case "gpus_per_node": dto.GpusPerNode = (int)Number(gpu.GpusPerNode!, source, key); break;
                case "compute_capability": dto.ComputeCapability = Number(gpu.ComputeCapability!, source, key); break;
                case "peer_to_peer": dto.PeerToPeer = Bool(gpu.PeerToPeer!, source, key); break;
                case "flops":
                    // Two spellings of one dtype (bf16, bfloat16) would give HardwareSpec.Flops one key twice.
                    var spelt = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (dtype, line, value) in Map(gpu.Flops!, source, key).Entries)
                    {
                        dto.Flops[dtype] = Number(value, source, $"flops.{dtype}");
                        string normal = DTypes.Normalize(dtype);
                        if (!spelt.TryAdd(normal, dtype))
                            throw new FormatException($"{source}: line {line}: field 'flops.{dtype}' is the same dtype as 'flops.{spelt[normal]}' ({normal}).");
                    }
                    break;
                case "intra_node_link": dto.IntraNodeLink = Link(gpu.IntraNodeLink!, source, key); break;
                case "pcie": dto.Pcie = Link(gpu.Pcie!, source, key); break;
                case "inter_node": dto.InterNode = Link(gpu.InterNode!, source, key); break;
                case "microarchitecture": dto.Micro = Micro(gpu.Microarchitecture!, source, key); break;
                case "power": dto.Power = GpuPower.Read(Map(gpu.Power!, source, key), source, key); break;
                default: throw new FormatException($"{source}: line {gpu.LineOf(key)}: unknown field '{key}'.");
            }
        }
        return dto;
    }

    private static LinkDto Link(HardwareYaml.LinkYaml node, string source, string field)
    {
        var link = new LinkDto();
        foreach (string key in Map(node, source, field).Keys)
        {
            switch (key)
            {
                case "name": link.Name = Text(node.Name!, source, $"{field}.name"); break;
                case "generation": link.Generation = (int)Number(node.Generation!, source, $"{field}.generation"); break;
                case "bandwidth_bytes_per_s": link.BandwidthBytesPerS = Number(node.BandwidthBytesPerS!, source, $"{field}.{key}"); break;
                case "latency_s": link.LatencyS = Number(node.LatencyS!, source, $"{field}.{key}"); break;
                default: throw new FormatException($"{source}: line {node.LineOf(key)}: unknown field '{field}.{key}'.");
            }
        }
        return link;
    }

    private static GpuMicroarchitecture Micro(YamlMap<YamlText> node, string source, string field)
    {
        var values = new Dictionary<string, double>();
        foreach (var (key, line, value) in Map(node, source, field).Entries)
        {
            if (key == "sources") { Seq(value, source, $"{field}.sources"); continue; }
            if (Array.IndexOf(MicroFields, key) < 0) throw new FormatException($"{source}: line {line}: unknown field '{field}.{key}'.");
            values[key] = Number(value, source, $"{field}.{key}");
        }
        double Need(string key) => values.TryGetValue(key, out var x) && x > 0 ? x
            : throw new FormatException($"{source}: line {node.Line}: field '{field}.{key}' must be a positive number.");
        return new GpuMicroarchitecture
        {
            SmCount = (int)Need("sm_count"),
            BoostClockHz = Need("boost_clock_hz"),
            BaseClockHz = values.GetValueOrDefault("base_clock_hz"),
            L2Bytes = (long)Need("l2_bytes"),
            L2BandwidthBytesPerSecond = Need("l2_bandwidth_bytes_per_s"),
            SharedMemoryPerSmBytes = (int)Need("shared_memory_per_sm_bytes"),
            RegistersPerSm = (int)Need("registers_per_sm"),
            KernelLaunchSeconds = Need("kernel_launch_s"),
            NvLinkLinks = (int)values.GetValueOrDefault("nvlink_links"),
        };
    }

    private static readonly string[] MicroFields =
        ["sm_count", "boost_clock_hz", "base_clock_hz", "l2_bytes", "l2_bandwidth_bytes_per_s", "shared_memory_per_sm_bytes", "registers_per_sm", "kernel_launch_s", "nvlink_links"];

    private static string Text(YamlPositioned node, string source, string field) =>
        node.Shape == YamlShape.Scalar ? node.Text ?? "" : throw new FormatException($"{source}: line {node.Line}: field '{field}' must be a single value.");

    private static double Number(YamlPositioned node, string source, string field) =>
        double.TryParse(Text(node, source, field), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d : throw new FormatException($"{source}: line {node.Line}: field '{field}' must be a number (got '{Text(node, source, field)}').");

    private static bool Bool(YamlPositioned node, string source, string field) => Text(node, source, field).ToLowerInvariant() switch
    {
        "true" or "yes" => true,
        "false" or "no" => false,
        var raw => throw new FormatException($"{source}: line {node.Line}: field '{field}' must be true or false (got '{raw}')."),
    };

    private static T Map<T>(T node, string source, string field) where T : YamlPositioned =>
        node.Shape == YamlShape.Mapping ? node : throw new FormatException($"{source}: line {node.Line}: field '{field}' must be a mapping.");

    /// <summary>A list; one value alone (which a <see cref="YamlList{T}"/> keeps as a list of one) is refused, as the catalog always has.</summary>
    private static T Seq<T>(T node, string source, string field) where T : YamlPositioned =>
        node.Shape == YamlShape.Sequence ? node : throw new FormatException($"{source}: line {node.Line}: field '{field}' must be a list.");

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
        public double ComputeCapability { get; set; }
        public bool PeerToPeer { get; set; } = true;
        public List<string> Sources { get; set; } = [];
        public GpuMicroarchitecture? Micro { get; set; }
        public GpuPower? Power { get; set; }

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
                ComputeCapability = ComputeCapability,
                PeerToPeer = PeerToPeer,
                Microarchitecture = Micro,
                Power = Power,
            };
        }
    }
}
