using TokenSim.Core.Yaml;

namespace TokenSim.Core.Entities;

/// <summary>
/// One GPU of a hardware file (the schema of <c>data/hardware/gpus.yaml</c>) as YamlDotNet reads it, each value with
/// its line; <see cref="HardwareCatalog"/> checks it and makes the <see cref="HardwareSpec"/>. The top of a file is
/// read as one too: either a single GPU or a <see cref="Gpus"/> list.
/// </summary>
internal sealed record HardwareYaml : HardwareYamlSection
{
    /// <summary>The list of GPUs, at the top of a file; a GPU in the list that gives it is refused as an unknown field.</summary>
    public YamlList<HardwareYaml>? Gpus { get; init; }
    public YamlText? Name { get; init; }
    public YamlText? Vendor { get; init; }
    public YamlList<YamlText>? Aliases { get; init; }
    /// <summary>Citations for the reader of the file: checked to be a list, not read.</summary>
    public YamlList<YamlText>? Sources { get; init; }
    public YamlText? MemoryBytes { get; init; }
    public YamlText? MemoryBandwidthBytesPerS { get; init; }
    public YamlText? GpusPerNode { get; init; }
    public YamlText? ComputeCapability { get; init; }
    public YamlText? PeerToPeer { get; init; }
    /// <summary>FLOP/s by dtype: the keys are data.</summary>
    public YamlMap<YamlText>? Flops { get; init; }
    public LinkYaml? IntraNodeLink { get; init; }
    public LinkYaml? Pcie { get; init; }
    public LinkYaml? InterNode { get; init; }
    /// <summary>Named figures, each checked against the known names (<see cref="GpuMicroarchitecture"/>).</summary>
    public YamlMap<YamlText>? Microarchitecture { get; init; }
    /// <summary>Named figures, each checked against the known names (<see cref="GpuPower"/>).</summary>
    public YamlMap<YamlText>? Power { get; init; }

    internal sealed record LinkYaml : HardwareYamlSection
    {
        public YamlText? Name { get; init; }
        public YamlText? Generation { get; init; }
        public YamlText? BandwidthBytesPerS { get; init; }
        public YamlText? LatencyS { get; init; }
    }
}

/// <summary>
/// A mapping of the hardware schema. A key it lacks is let through (<see cref="YamlSection.Keys"/> keeps it): the
/// catalog checks a GPU's keys in file order, so that the first mistake in the file is the one reported, with its line,
/// as the catalog always has.
/// </summary>
internal abstract record HardwareYamlSection : YamlSection
{
    protected internal override string? UnknownKey(string key, IReadOnlyList<string> known) => null;
}
