using TokenSim.Core.Entities;

namespace TokenSim.Core.Tests;

/// <summary>
/// The hardware catalog's reader (data/hardware/gpus.yaml and <c>--hardware FILE.yaml</c>, power blocks included): the
/// values it reads, checked against the figures written in gpus.yaml, and the exact text of each error it gives, so
/// that a change of YAML library or reader design shows up as a failing line here.
/// </summary>
public sealed class HardwareYamlTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"tokensim-gpu-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_path);

    /// <summary>A valid single GPU, five lines: a case appends its field at line 6.</summary>
    private const string Gpu = "name: g\nmemory_bytes: 1.0e+10\nmemory_bandwidth_bytes_per_s: 1.0e+12\nflops: {bf16: 1.0e+14}\npcie: {bandwidth_bytes_per_s: 3.2e+10}\n";

    private HardwareSpec Read(string yaml)
    {
        File.WriteAllText(_path, yaml);
        return Assert.Single(HardwareCatalog.ReadFile(_path));
    }

    private string Error(string yaml)
    {
        File.WriteAllText(_path, yaml);
        var e = Assert.Throws<FormatException>(() => HardwareCatalog.ReadFile(_path));
        Assert.StartsWith(_path, e.Message);
        return e.Message[_path.Length..];
    }

    [Fact]
    public void EmbeddedCatalog_ElevenGpus_InFileOrder()
    {
        Assert.Equal(["a100-40g", "a100-80g", "h100-sxm", "h200", "b200", "b300", "mi300x", "l40s", "a40", "rtx-4090", "rtx-pro-6000"], HardwareCatalog.Names);
    }

    [Fact]
    public void EmbeddedA100_40G_EveryField_AsWrittenInGpusYaml()
    {
        var h = HardwareCatalog.Resolve("a100-40g");
        Assert.Equal(["A100-40G", "A100-40GB", "A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB", "A100-SXM-40GB"], h.Aliases);
        Assert.Equal(("nvidia", 42298834944L, 1.555e12, 8, 8.0, true), (h.Vendor, h.MemoryBytes, h.MemoryBandwidthBytesPerSecond, h.GpusPerNode, h.ComputeCapability, h.PeerToPeer));
        Assert.Equal(new Dictionary<string, double> { ["fp32"] = 1.95e13, ["tf32"] = 1.56e14, ["bf16"] = 3.12e14, ["fp16"] = 3.12e14, ["int8"] = 6.24e14 }, h.Flops);
        Assert.Equal(new LinkSpec("nvlink3", 3.0e11, 1.0e-5), h.IntraNodeLink);
        // The pcie link gives a generation and no name, the inter-node link neither: the reader names them.
        Assert.Equal(new LinkSpec("pcie", 3.2e10, 1.0e-5), h.Pcie);
        Assert.Equal(new LinkSpec("network", 2.5e10, 1.0e-5), h.InterNode);
        Assert.Equal(new GpuMicroarchitecture
        {
            SmCount = 108, BoostClockHz = 1.41e9, BaseClockHz = 0, L2Bytes = 41943040, L2BandwidthBytesPerSecond = 7.2192e12,
            SharedMemoryPerSmBytes = 167936, RegistersPerSm = 65536, KernelLaunchSeconds = 3.0e-6, NvLinkLinks = 12,
        }, h.Microarchitecture);
        Assert.Equal(new GpuPower { TdpWatts = 400, StaticWatts = 78, DramJoulesPerByte = 3.9 * 8e-12 }, h.Power);
    }

    [Fact]
    public void EmbeddedRtx4090_PcieOnly_NoPeerToPeer_BaseClock_AndItsPower()
    {
        var h = HardwareCatalog.Resolve("NVIDIA GeForce RTX 4090");
        Assert.Equal(("rtx-4090", 25386352640L, 1.008e12, 8.9, false), (h.Name, h.MemoryBytes, h.MemoryBandwidthBytesPerSecond, h.ComputeCapability, h.PeerToPeer));
        Assert.Equal(new LinkSpec("pcie4", 3.2e10, 1.0e-5), h.IntraNodeLink);
        Assert.Equal((3.303e14, 6.606e14), (h.Flops["fp8"], h.Flops["int8"]));
        Assert.Equal((128, 2.52e9, 2.235e9, 0), (h.Microarchitecture!.SmCount, h.Microarchitecture.BoostClockHz, h.Microarchitecture.BaseClockHz, h.Microarchitecture.NvLinkLinks));
        Assert.Equal(new GpuPower { TdpWatts = 450, StaticWatts = 111, DramJoulesPerByte = 7.25 * 8e-12 }, h.Power);
    }

    [Fact]
    public void EmbeddedMi300x_Amd_InfinityFabric()
    {
        var h = HardwareCatalog.Resolve("AMD Instinct MI300X");
        Assert.Equal(("mi300x", "amd", 206141652992L, 5.3e12), (h.Name, h.Vendor, h.MemoryBytes, h.MemoryBandwidthBytesPerSecond));
        Assert.Equal(new LinkSpec("infinity_fabric", 4.48e11, 1.0e-5), h.IntraNodeLink);
        Assert.Equal(new LinkSpec("network", 5.0e10, 1.0e-5), h.InterNode);
        Assert.Equal((304, 131072, 7), (h.Microarchitecture!.SmCount, h.Microarchitecture.RegistersPerSm, h.Microarchitecture.NvLinkLinks));
        Assert.Equal((750.0, 113.0), (h.Power!.TdpWatts, h.Power.StaticWatts));
    }

    [Fact]
    public void UserFile_Defaults_ForWhatItLeavesOut()
    {
        var h = Read(Gpu.Replace("bf16", "bfloat16"));
        Assert.Equal(("g", "", 10_000_000_000L, 8, 0.0, true), (h.Name, h.Vendor, h.MemoryBytes, h.GpusPerNode, h.ComputeCapability, h.PeerToPeer));
        Assert.Empty(h.Aliases);
        // dtype names are normalised; the intra-node link falls back to PCIe; a latency left out is 10 µs.
        Assert.Equal(new Dictionary<string, double> { ["bf16"] = 1.0e14 }, h.Flops);
        Assert.Equal(new LinkSpec("pcie", 3.2e10, 1.0e-5), h.IntraNodeLink);
        Assert.Same(h.Pcie, h.IntraNodeLink);
        Assert.Equal((null, null, null), (h.InterNode, h.Microarchitecture, h.Power));
        Assert.Equal(new LinkSpec("nvlink", 1e11, 1.0e-5), Read(Gpu + "intra_node_link: {bandwidth_bytes_per_s: 1.0e+11}\n").IntraNodeLink);
    }

    [Fact]
    public void UserFile_WhatTheNodeModelTookAsIs_IsStillTaken()
    {
        // Tags are ignored, booleans take yes/no in any case, integers are truncated, an alias is its anchor's value.
        var h = Read(Gpu.Replace("1.0e+10", "!!float 1.5e+10") + "peer_to_peer: YES\ngpus_per_node: 4.9\n");
        Assert.Equal((15_000_000_000L, true, 4), (h.MemoryBytes, h.PeerToPeer, h.GpusPerNode));
        h = Read(Gpu.Replace("pcie:", "pcie: &link") + "inter_node: *link\nsources: [a, [b]]\n");
        Assert.Equal(new LinkSpec("network", 3.2e10, 1.0e-5), h.InterNode);
        // With a 'gpus:' list, the top level's other keys are not read.
        File.WriteAllText(_path, "gpus:\n  - {name: a, memory_bytes: 1, memory_bandwidth_bytes_per_s: 1, flops: {bf16: 1}, pcie: {bandwidth_bytes_per_s: 1}}\ncolour: red\n");
        Assert.Equal("a", Assert.Single(HardwareCatalog.ReadFile(_path)).Name);
    }

    [Theory]
    // The top level.
    [InlineData("", ": no GPUs defined (expected 'gpus:' list or a single GPU mapping).")]
    [InlineData("# only a comment\n", ": no GPUs defined (expected 'gpus:' list or a single GPU mapping).")]
    [InlineData("a100\n", ": no GPUs defined (expected 'gpus:' list or a single GPU mapping).")]
    [InlineData("gpus: []\n", ": no GPUs defined (expected 'gpus:' list or a single GPU mapping).")]
    [InlineData("gpus: a100\n", ": line 1: 'gpus' must be a list.")]
    [InlineData("gpus:\n  - a100\n", ": line 2: a GPU must be a mapping.")]
    // A field the reader does not know, or of the wrong shape.
    [InlineData(Gpu + "colour: red\n", ": line 6: unknown field 'colour'.")]
    [InlineData("name: [g]\n", ": line 1: field 'name' must be a single value.")]
    [InlineData(Gpu + "vendor: {a: b}\n", ": line 6: field 'vendor' must be a single value.")]
    [InlineData(Gpu + "aliases: g1\n", ": line 6: field 'aliases' must be a list.")]
    [InlineData(Gpu + "aliases:\n  - g1\n  - [g2]\n", ": line 8: field 'aliases' must be a single value.")]
    [InlineData(Gpu + "sources: {a: b}\n", ": line 6: field 'sources' must be a list.")]
    [InlineData("memory_bytes: lots\n", ": line 1: field 'memory_bytes' must be a number (got 'lots').")]
    [InlineData("memory_bandwidth_bytes_per_s: [1]\n", ": line 1: field 'memory_bandwidth_bytes_per_s' must be a single value.")]
    [InlineData(Gpu + "gpus_per_node: eight\n", ": line 6: field 'gpus_per_node' must be a number (got 'eight').")]
    [InlineData(Gpu + "compute_capability: 9.0a\n", ": line 6: field 'compute_capability' must be a number (got '9.0a').")]
    [InlineData(Gpu + "peer_to_peer: maybe\n", ": line 6: field 'peer_to_peer' must be true or false (got 'maybe').")]
    [InlineData(Gpu + "peer_to_peer: on\n", ": line 6: field 'peer_to_peer' must be true or false (got 'on').")]
    [InlineData("flops: 3\n", ": line 1: field 'flops' must be a mapping.")]
    [InlineData("flops:\n  bf16: fast\n", ": line 2: field 'flops.bf16' must be a number (got 'fast').")]
    [InlineData("flops: {bf16: [1]}\n", ": line 1: field 'flops.bf16' must be a single value.")]
    [InlineData("flops:\n  bf16: 1\n  bfloat16: 2\n", ": line 3: field 'flops.bfloat16' is the same dtype as 'flops.bf16' (bf16).")]
    [InlineData("flops: {FP8: 1, float8_e4m3fn: 2}\n", ": line 1: field 'flops.float8_e4m3fn' is the same dtype as 'flops.FP8' (fp8).")]
    // Links.
    [InlineData("pcie: fast\n", ": line 1: field 'pcie' must be a mapping.")]
    [InlineData("intra_node_link: {bandwidth: 1}\n", ": line 1: unknown field 'intra_node_link.bandwidth'.")]
    [InlineData("inter_node:\n  latency_s: 1\n  gbps: 1\n", ": line 3: unknown field 'inter_node.gbps'.")]
    [InlineData("pcie: {generation: four}\n", ": line 1: field 'pcie.generation' must be a number (got 'four').")]
    [InlineData("pcie: {name: [a]}\n", ": line 1: field 'pcie.name' must be a single value.")]
    [InlineData("pcie:\n  bandwidth_bytes_per_s: x\n", ": line 2: field 'pcie.bandwidth_bytes_per_s' must be a number (got 'x').")]
    [InlineData("pcie: {latency_s: soon}\n", ": line 1: field 'pcie.latency_s' must be a number (got 'soon').")]
    // The microarchitecture block: unknown fields at their line, a missing one at the block's first line.
    [InlineData("microarchitecture: 108\n", ": line 1: field 'microarchitecture' must be a mapping.")]
    [InlineData("microarchitecture: {sm: 108}\n", ": line 1: unknown field 'microarchitecture.sm'.")]
    [InlineData("microarchitecture: {sm_count: many}\n", ": line 1: field 'microarchitecture.sm_count' must be a number (got 'many').")]
    [InlineData("microarchitecture: {sources: x}\n", ": line 1: field 'microarchitecture.sources' must be a list.")]
    [InlineData("microarchitecture:\n  sm_count: 108\n  l2_bytes: 1\n", ": line 2: field 'microarchitecture.boost_clock_hz' must be a positive number.")]
    [InlineData("microarchitecture: {sm_count: 1, boost_clock_hz: 1, l2_bytes: 1, l2_bandwidth_bytes_per_s: 1, shared_memory_per_sm_bytes: 1, registers_per_sm: 1, kernel_launch_s: 0}\n",
        ": line 1: field 'microarchitecture.kernel_launch_s' must be a positive number.")]
    // The power block.
    [InlineData("power: 300\n", ": line 1: field 'power' must be a mapping.")]
    [InlineData("power:\n  tdp_w: 300\n  static_watts: 50\n", ": line 3: unknown field 'power.static_watts' (known: tdp_w, static_w, dram_pj_per_bit).")]
    [InlineData("power:\n  tdp_w: -1\n", ": line 2: field 'power.tdp_w' must be a non-negative number (got '-1').")]
    [InlineData("power:\n  tdp_w:\n    - 300\n", ": line 3: field 'power.tdp_w' must be a non-negative number (got '').")]
    [InlineData("power: {tdp_w: .nan}\n", ": line 1: field 'power.tdp_w' must be a non-negative number (got '.nan').")]
    [InlineData("power: {tdp_w: Infinity}\n", ": line 1: field 'power.tdp_w' must be a non-negative number (got 'Infinity').")]
    [InlineData("power:\n  tdp_w: 300\n  static_w: 50\n", ": line 2: field 'power.dram_pj_per_bit' is missing.")]
    [InlineData("power: {tdp_w: 300, static_w: 300, dram_pj_per_bit: 3.9}\n", ": line 1: field 'power.tdp_w' (300 W) must exceed static_w (300 W).")]
    // What a whole GPU needs, checked once its fields are read.
    [InlineData("vendor: x\n", ": GPU #1: field 'name' is missing.")]
    [InlineData("name: ''\n", ": GPU #1 '': field 'name' is missing.")]
    [InlineData("name: g\n", ": GPU #1 'g': field 'memory_bytes' must be a positive number of bytes.")]
    [InlineData("name: g\nmemory_bytes: 1\n", ": GPU #1 'g': field 'memory_bandwidth_bytes_per_s' must be positive.")]
    [InlineData("name: g\nmemory_bytes: 1\nmemory_bandwidth_bytes_per_s: 1\nflops: {bf16: 0}\n", ": GPU #1 'g': field 'flops' needs at least one positive dtype entry (e.g. bf16: 3.12e14).")]
    [InlineData("name: g\nmemory_bytes: 1\nmemory_bandwidth_bytes_per_s: 1\nflops: {bf16: 1}\npcie: {latency_s: 1}\n", ": GPU #1 'g': field 'intra_node_link' (or 'pcie') with 'bandwidth_bytes_per_s' is required.")]
    // In file order: the first GPU's errors before the second's, a field's error before a later unknown field.
    [InlineData("gpus:\n  - {name: a}\n  - {name: b, colour: red}\n", ": GPU #1 'a': field 'memory_bytes' must be a positive number of bytes.")]
    [InlineData("gpus:\n  - " + "{name: a, memory_bytes: 1, memory_bandwidth_bytes_per_s: 1, flops: {bf16: 1}, pcie: {bandwidth_bytes_per_s: 1}}\n  - {name: b, memory_bytes: 0}\n", ": GPU #2 'b': field 'memory_bytes' must be a positive number of bytes.")]
    [InlineData("memory_bytes: x\ncolour: red\n", ": line 1: field 'memory_bytes' must be a number (got 'x').")]
    [InlineData("colour: red\nmemory_bytes: x\n", ": line 1: unknown field 'colour'.")]
    [InlineData("power: {tdp_w: 1, static_w: 2, dram_pj_per_bit: 3}\nmemory_bytes: x\n", ": line 1: field 'power.tdp_w' (1 W) must exceed static_w (2 W).")]
    public void BadFile_NamesTheLineAndField(string yaml, string expected) => Assert.Equal(expected, Error(yaml));

    [Theory]
    // YAML errors: YamlDotNet's message, with the line and column.
    [InlineData("name: [g\n", ": line 2, column 1: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("name: a\nname: b\n", ": line 2, column 1: Duplicate key name")]
    [InlineData("gpus:\n  - name: a\n    flops: {bf16: 1, bf16: 2}\n", ": line 3, column 22: Duplicate key bf16")]
    // The node model put this at line 1, column 1 wherever the alias stood.
    [InlineData("name: g\nmemory_bytes: *size\n", ": line 2, column 15: The anchor 'size' does not exists")]
    [InlineData("name: g\n---\nname: *size\n", ": line 3, column 7: The anchor 'size' does not exists")]
    [InlineData(Gpu + "---\nname: [\n", ": line 8, column 1: While parsing a node, did not find expected node content.")]
    public void BadYaml_NamesTheLineAndColumn(string yaml, string expected) => Assert.Equal(expected, Error(yaml));

    [Fact]
    public void AKeyThatIsNotAValue_IsAFormatError()
    {
        Assert.StartsWith($"{_path}: ", Assert.Throws<FormatException>(() => { File.WriteAllText(_path, "? [a]\n: 1\n"); HardwareCatalog.ReadFile(_path); }).Message);
    }
}
