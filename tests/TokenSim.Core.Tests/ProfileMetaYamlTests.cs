using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests;

/// <summary>
/// The two profile readers of a <c>meta.yaml</c>: LLMServingSim's decode-skew fit (<see cref="SkewFit"/>) and the
/// nccl-tests folders (<see cref="NcclTestsProfile"/>). Every profile in data/profiles with such a file, read to the
/// values written in it, and the exact text of each error, so that a change of YAML reader shows up as a failing line.
/// </summary>
public sealed class ProfileMetaYamlTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokensim-meta-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly string Perf = TestSupport.DataFile("profiles", "llmservingsim", "perf");

    /// <summary>A point inside each bin of the bucket axes written in the RTX PRO 6000 profiles' meta.yaml (right-closed bins).</summary>
    private static readonly Dictionary<string, double> Inside = new()
    {
        ["n<=2"] = 1, ["n<=4"] = 3, ["n<=8"] = 5, ["n<=16"] = 10, ["n<=32"] = 20, ["n<=64"] = 40, ["n<=128"] = 100, ["n<=256"] = 200, ["n>256"] = 300,
        ["sr<=5%"] = 0.01, ["sr<=15%"] = 0.1, ["sr<=40%"] = 0.3, ["sr<=70%"] = 0.5, ["sr>70%"] = 0.8,
        ["kvB<=1k"] = 500, ["kvB<=4k"] = 2000, ["kvB<=16k"] = 8000, ["kvB>16k"] = 20000,
        ["kp=0"] = 0, ["kp<=512"] = 300, ["kp<=1k"] = 700, ["kp<=2k"] = 1500, ["kp<=4k"] = 3000, ["kp<=8k"] = 6000, ["kp>8k"] = 9000,
    };

    [Theory]
    [InlineData("RTXPRO6000/meta-llama/Llama-3.1-8B", 1, 0.0543)]
    [InlineData("RTXPRO6000/meta-llama/Llama-3.1-8B", 2, 0.0654)]
    [InlineData("RTXPRO6000/Qwen/Qwen3-30B-A3B-Instruct-2507", 1, 0.0645)]
    [InlineData("RTXPRO6000/Qwen/Qwen3-30B-A3B-Instruct-2507", 2, 0.0748)]
    [InlineData("RTXPRO6000/Qwen/Qwen3-32B", 1, 0.057)]
    [InlineData("RTXPRO6000/Qwen/Qwen3-32B", 2, 0.0649)]
    public void SkewFit_EveryProfile_DefaultAndEveryBucket_AsWritten(string profile, int tp, double alphaDefault)
    {
        var dtype = Path.Combine(Perf, profile, "bf16");
        var fit = SkewFit.Read(dtype, tp);
        Assert.NotNull(fit);
        Assert.Equal(alphaDefault, fit.AlphaDefault);
        var rows = File.ReadAllLines(Path.Combine(dtype, $"tp{tp}", "skew_fit.csv"))[1..].Select(l => l.Split(',')).ToArray();
        Assert.True(rows.Length > 3900);
        foreach (var r in rows)
            Assert.Equal(double.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture), fit.Alpha(double.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture), Inside[r[1]], Inside[r[2]], Inside[r[3]], Inside[r[4]]));
        // Outside every bucket of the table (no decode above 256 was profiled with a prefill of 2048 and kp above 8k): the default.
        Assert.DoesNotContain(rows, r => r[0] == "2048" && r[1] == "n>256" && r[4] == "kp>8k");
        Assert.Equal(alphaDefault, fit.Alpha(2048, 300, 0.8, 20000, 9000));
    }

    [Fact]
    public void SkewFit_Rtx4090_DisabledWithoutBucketAxes_IsNoFit()
    {
        // issue 15: 'skew_fit: enabled: false' with no bucket_axes crashed the reader.
        var dtype = Path.Combine(Perf, "RTX4090", "meta-llama", "Llama-3.1-8B", "bf16");
        Assert.DoesNotContain("bucket_axes", File.ReadAllText(Path.Combine(dtype, "meta.yaml")));
        Assert.Null(SkewFit.Read(dtype, 1));
    }

    private const string Axes =
        "  bucket_axes:\n    n_bins: [0, 2]\n    n_labels: [a]\n    skew_rate_bins: [0, 1]\n    skew_rate_labels: [b]\n" +
        "    kv_big_bins: [0, 1]\n    kv_big_labels: [c]\n    kp_bins: [0, 1]\n    kp_labels: [d]\n";

    private const string Fit = "skew_fit:\n  enabled: true\n" + Axes + "  per_tp:\n    1: {alpha_default: 0.5}\n";

    private string WriteFit(string meta)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "tp1"));
        File.WriteAllText(Path.Combine(_dir, "tp1", "skew_fit.csv"), "pc,n_label,skew_rate_label,kv_big_label,kp_label,alpha\n0,a,b,c,d,0.25\n");
        string path = Path.Combine(_dir, "meta.yaml");
        File.WriteAllText(path, meta);
        return path;
    }

    private string FitError(string meta)
    {
        string path = WriteFit(meta);
        var e = Assert.Throws<ProfileFormatException>(() => SkewFit.Read(_dir, 1));
        Assert.Equal(path, e.File);
        Assert.StartsWith(path + ": ", e.Message);
        return e.Message[(path.Length + 2)..];
    }

    [Fact]
    public void SkewFit_SmallFit_ReadsEveryAxis()
    {
        WriteFit(Fit);
        var fit = SkewFit.Read(_dir, 1)!;
        Assert.Equal(0.5, fit.AlphaDefault);
        Assert.Equal(0.25, fit.Alpha(0, 1, 0.5, 0.5, 0.5));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    [InlineData("model: x\nengine_effective: {a: 1}\n")]
    [InlineData("skew_fit:\n  enabled: false\n")]
    [InlineData("skew_fit:\n  enabled: off\n  bucket_axes: 3\n")]
    [InlineData("skew_fit:\n  enabled: No\n")]
    // A repeated key inside a part no reader reads is skipped with it (the node model refused it: "line 3: Duplicate key a").
    [InlineData("engine_effective:\n  a: 1\n  a: 2\nskew_fit:\n  enabled: false\n")]
    public void SkewFit_NoneDeclared_IsNoFit(string meta)
    {
        WriteFit(meta);
        Assert.Null(SkewFit.Read(_dir, 1));
    }

    [Theory]
    [InlineData("skew_fit:\n  enabled: yes\n" + Axes + "  per_tp:\n    1: {alpha_default: !!float 0.5}\n    2: not read\n", 0.5)]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    '1':\n      alpha_default: 7e-2\n      method: m\n", 0.07)]
    public void SkewFit_TakenAsIs(string meta, double alphaDefault)
    {
        WriteFit(meta);
        Assert.Equal(alphaDefault, SkewFit.Read(_dir, 1)!.AlphaDefault);
    }

    [Theory]
    [InlineData("- a\n", "the document is not a mapping")]
    [InlineData("just text\n", "the document is not a mapping")]
    [InlineData("skew_fit: 5\n", "field 'skew_fit': is not a mapping")]
    [InlineData("skew_fit: [a]\n", "field 'skew_fit': is not a mapping")]
    [InlineData("skew_fit:\n  enabled: maybe\n", "field 'skew_fit.enabled': 'maybe' is not true or false")]
    [InlineData("skew_fit:\n  enabled: [x]\n", "field 'skew_fit.enabled': holds something that is not a plain value")]
    [InlineData("skew_fit:\n  enabled: true\n", "field 'skew_fit.bucket_axes': is missing")]
    [InlineData("skew_fit:\n  bucket_axes: 3\n", "field 'skew_fit.bucket_axes': is not a mapping")]
    [InlineData("skew_fit:\n" + Axes, "field 'skew_fit.per_tp': is missing")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp: [1]\n", "field 'skew_fit.per_tp': is not a mapping")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    2: {alpha_default: 1}\n", "field 'skew_fit.per_tp.1': is missing")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    1: 0.5\n", "field 'skew_fit.per_tp.1': is not a mapping")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    1: {method: m}\n", "field 'skew_fit.per_tp.1.alpha_default': is missing")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    1: {alpha_default: x}\n", "field 'skew_fit.per_tp.1.alpha_default': 'x' is not a number")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    1: {alpha_default: .nan}\n", "field 'skew_fit.per_tp.1.alpha_default': '.nan' is not a number")]
    [InlineData("skew_fit:\n" + Axes + "  per_tp:\n    1: {alpha_default: [1]}\n", "field 'skew_fit.per_tp.1.alpha_default': holds something that is not a plain value")]
    public void SkewFit_Errors_ExactText(string meta, string expected) => Assert.Equal(expected, FitError(meta));

    [Theory]
    [InlineData("n_bins: [0, 2]", "n_bins: 5", "field 'skew_fit.bucket_axes.n_bins': is not a list")]
    [InlineData("n_bins: [0, 2]", "n_bins: {a: 1}", "field 'skew_fit.bucket_axes.n_bins': is not a list")]
    [InlineData("n_bins: [0, 2]", "n_bins: [0, x]", "field 'skew_fit.bucket_axes.n_bins': 'x' is not a number")]
    [InlineData("n_bins: [0, 2]", "n_bins: [0, [2]]", "field 'skew_fit.bucket_axes.n_bins': holds something that is not a plain value")]
    [InlineData("n_bins: [0, 2]", "n_bins: [0]", "field 'skew_fit.bucket_axes.n_labels': needs one label per bin of n_bins (1 labels, 1 edges)")]
    [InlineData("n_labels: [a]", "n_labels: [a, b]", "field 'skew_fit.bucket_axes.n_labels': needs one label per bin of n_bins (2 labels, 2 edges)")]
    [InlineData("n_labels: [a]", "n_labels: [[a]]", "field 'skew_fit.bucket_axes.n_labels': holds something that is not a plain value")]
    [InlineData("n_labels: [a]", "n_labels: a", "field 'skew_fit.bucket_axes.n_labels': is not a list")]
    [InlineData("    kp_labels: [d]\n", "", "field 'skew_fit.bucket_axes.kp_labels': is missing")]
    [InlineData("kv_big_bins: [0, 1]", "kv_big_bins: [0, 1e999]", "field 'skew_fit.bucket_axes.kv_big_bins': '1e999' is not a number")]
    public void SkewFit_BucketAxisErrors_ExactText(string replace, string with, string expected) =>
        Assert.Equal(expected, FitError(Fit.Replace(replace, with)));

    [Fact]
    public void SkewFit_AnAxisError_ComesAfterTheTable()
    {
        // The table is read before the axes: its error is the one named.
        string path = WriteFit(Fit.Replace("n_bins: [0, 2]", "n_bins: 5"));
        File.WriteAllText(Path.Combine(_dir, "tp1", "skew_fit.csv"), "pc,n_label,skew_rate_label,kv_big_label,kp_label\n0,a,b,c,d\n");
        var e = Assert.ThrowsAny<FormatException>(() => SkewFit.Read(_dir, 1));
        Assert.DoesNotContain(path, e.Message);
        Assert.Contains("'alpha'", e.Message);
    }

    [Theory]
    [InlineData("skew_fit: [unclosed", "not valid YAML at line 2: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("skew_fit:\n  enabled: true\n  enabled: false\n", "not valid YAML at line 3: Duplicate key enabled")]
    [InlineData("skew_fit: *nowhere\n", "not valid YAML at line 1: The anchor 'nowhere' does not exists")]
    // At the alias: the node model said line 1 for any alias to no anchor.
    [InlineData("model: x\n\nskew_fit:\n  enabled: *nowhere\n", "not valid YAML at line 4: The anchor 'nowhere' does not exists")]
    [InlineData("skew_fit:\n  enabled: false\n---\n[unclosed\n", "not valid YAML at line 5: While parsing a flow sequence, did not find expected ',' or ']'.")]
    public void SkewFit_YamlErrors_ExactText(string meta, string expected) => Assert.Equal(expected, FitError(meta));

    // ---- nccl-tests ----

    [Theory]
    [InlineData("v100-pcie-x2-azure-nc12s-v3", "Tesla V100-PCIE-16GB (x2, Azure Standard_NC12s_v3 VM, one process, -g 2)", 7.0, new[] { "all_reduce_perf" })]
    [InlineData("rtx2080ti-x2-pcie3-shm", "NVIDIA GeForce RTX 2080 Ti (x2, one process driving both GPUs, -g 2)", 7.5, new[] { "all_gather_perf", "all_reduce_perf" })]
    public void NcclTests_EveryProfile_AsWritten(string folder, string gpu, double cc, string[] tables)
    {
        var dir = TestSupport.DataFile("profiles", "nccl-tests", folder);
        var p = NcclTestsProfile.Read(dir);
        Assert.Equal(dir, p.Source);
        Assert.Equal(gpu, p.Gpu);
        Assert.Equal(cc, p.ComputeCapability);
        Assert.Equal(new Entities.LinkSpec("pcie3", 1.6e10, 1e-5), p.Link);
        Assert.False(p.PeerToPeer);
        Assert.Equal(2, p.Ranks);
        Assert.Equal(tables, p.Tables.Select(t => t.Name));
    }

    private const string Nccl = "gpu: g\ncompute_capability: 7.5\nlink: {name: pcie3, bandwidth_bytes_per_s: 1.6e+10}\npeer_to_peer: false\n";

    private string WriteNccl(string meta)
    {
        File.WriteAllText(Path.Combine(_dir, "all_reduce_perf.txt"), "     8192  2048  float  sum  -1  30.0  0.27  0.27  0  29.9  0.27  0.27  0\n");
        string path = Path.Combine(_dir, "meta.yaml");
        File.WriteAllText(path, meta);
        return path;
    }

    [Theory]
    [InlineData(Nccl + "ranks: 4\ncuda_graphs: false\nsource: s\n", 4, false)]
    [InlineData(Nccl + "ranks: 2.7\n", 2, false)]
    [InlineData("peer_to_peer: True\ncompute_capability: !!float 9.0\nlink:\n  name: nvlink\n  bandwidth_bytes_per_s: 4.5e11\n  latency_s: 1\ngpu: h\n", 2, true)]
    public void NcclTests_TakenAsIs(string meta, int ranks, bool p2p)
    {
        WriteNccl(meta);
        var p = NcclTestsProfile.Read(_dir);
        Assert.Equal(ranks, p.Ranks);
        Assert.Equal(p2p, p.PeerToPeer);
        Assert.Equal(1e-5, p.Link.LatencySeconds);
    }

    [Theory]
    [InlineData("", "the document is not a mapping")]
    [InlineData("- a\n", "the document is not a mapping")]
    [InlineData("gpu: g\n", "field 'link': is missing")]
    [InlineData("link: 5\n", "field 'link': is missing")]
    [InlineData("link: {bandwidth_bytes_per_s: 1}\n", "field 'link.name': is missing")]
    [InlineData("link: {name: [a], bandwidth_bytes_per_s: 1}\n", "field 'link.name': is missing")]
    [InlineData("link: {name: a}\n", "field 'link.bandwidth_bytes_per_s': is missing")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: fast}\n", "field 'link.bandwidth_bytes_per_s': 'fast' is not a positive number")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: -1}\n", "field 'link.bandwidth_bytes_per_s': '-1' is not a positive number")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\n", "field 'peer_to_peer': is missing")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: yes\n", "field 'peer_to_peer': 'yes' is not true or false")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: false\nranks: 0\n", "field 'ranks': '0' is not a positive number")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: false\nranks: [2]\n", "field 'ranks': is missing")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: false\n", "field 'gpu': is missing")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: false\ngpu: g\n", "field 'compute_capability': is missing")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: false\ngpu: {a: 1}\ncompute_capability: 1\n", "field 'gpu': is missing")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: 1}\npeer_to_peer: false\ngpu: g\ncompute_capability: abc\n", "field 'compute_capability': 'abc' is not a positive number")]
    [InlineData("link: {name: a, bandwidth_bytes_per_s: [1}\n", "not valid YAML at line 1: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData(Nccl + "gpu: h\n", "not valid YAML at line 5: Duplicate key gpu")]
    public void NcclTests_Errors_ExactText(string meta, string expected)
    {
        string path = WriteNccl(meta);
        var e = Assert.Throws<ProfileFormatException>(() => NcclTestsProfile.Read(_dir));
        Assert.Equal(path, e.File);
        Assert.Equal($"{path}: {expected}", e.Message);
    }
}
