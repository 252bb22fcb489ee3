using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>
/// Every profile shipped in <c>data/profiles</c> loads, and every one that composes step times drives a simulation at
/// each TP degree it was measured at; a corrupted copy of each table kind is an error naming its file and field.
/// </summary>
public class ProfileLoadingTests
{
    private static readonly string Profiles = TestSupport.DataFile("profiles");

    /// <summary>Every dtype folder of LLMServingSim's vLLM 0.19 layout with each of its TP folders.</summary>
    public static TheoryData<string, int> LlmServingSimFolders()
    {
        var data = new TheoryData<string, int>();
        var perf = Path.Combine(Profiles, "llmservingsim", "perf");
        foreach (var dtype in Directory.EnumerateDirectories(perf, "*", SearchOption.AllDirectories).Where(d => File.Exists(Path.Combine(d, "meta.yaml"))).Order(StringComparer.Ordinal))
            foreach (var tp in Directory.EnumerateDirectories(dtype, "tp*").Order(StringComparer.Ordinal))
                data.Add(Path.GetRelativePath(Profiles, dtype), ProfileReader.TensorParallelOf(tp));
        return data;
    }

    [Fact]
    public void TheShippedSet_IsTheOneTheseTestsCover()
    {
        // Seven TP folders over four models and two GPUs; a new profile joins the theory below by itself.
        Assert.Equal(7, LlmServingSimFolders().Count);
    }

    [Fact]
    public void ValidateOps_ReadsEveryTableOfEveryFormat()
    {
        var profiles = ProfileReader.Read(Profiles);
        Assert.Equal(["aiconfigurator", "llmservingsim", "llmservingsim-v0", "nccl-tests", "vidur"], profiles.Select(p => p.Format).Distinct().Order());
        foreach (var p in profiles)
        {
            var results = OpsValidation.Validate(p, roofline: null);
            Assert.Equal(p.Tables.Count, results.Count);
            Assert.All(results, r => Assert.True(r.Points > 0, $"{r.File} {r.Name}: no points"));
        }
    }

    [Theory]
    [MemberData(nameof(LlmServingSimFolders))]
    public void EveryLlmServingSimProfile_SimulatesAtEachTp(string folder, int tp)
    {
        var dir = Path.Combine(Profiles, folder);
        var model = ProfileReader.InferModel(dir) ?? throw new InvalidOperationException($"{folder}: no catalog model");
        var hardware = ExecutionTimeModels.ProfileHardware(dir) ?? throw new InvalidOperationException($"{folder}: no catalog GPU");
        var spec = ReplicaSpec.Create(model, hardware, new EngineConfig { TensorParallel = tp, MaxModelLen = 4096, KvBlocks = 4000 });
        TestSupport.RunTwenty(spec, ExecutionTimeModels.Parse($"profile:{dir}"));
    }

    [Fact]
    public void DisabledSkewFit_IsNoFit_EvenWithTheTableBesideIt()
    {
        var dir = Path.Combine(Profiles, "llmservingsim", "perf", "RTX4090", "meta-llama", "Llama-3.1-8B", "bf16");
        Assert.True(File.Exists(Path.Combine(dir, "tp1", "skew_fit.csv")));
        Assert.Null(SkewFit.Read(dir, 1));
        Assert.NotNull(SkewFit.Read(Path.Combine(Profiles, "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16"), 1));
    }

    /// <summary>
    /// One file of each table kind, a value column every row is read through (corrupted on the third line), and a
    /// column the reader requires (dropped from the header).
    /// </summary>
    public static TheoryData<string, string, string> TableKinds() => new()
    {
        { "llmservingsim/perf/RTXPRO6000/meta-llama/Llama-3.1-8B/bf16/tp1/dense.csv", "time_us", "tokens" },
        { "llmservingsim/perf/RTXPRO6000/meta-llama/Llama-3.1-8B/bf16/tp1/attention.csv", "time_us", "kv_decode" },
        { "llmservingsim/perf/RTXPRO6000/meta-llama/Llama-3.1-8B/bf16/tp1/per_sequence.csv", "time_us", "sequences" },
        { "llmservingsim/perf/RTXPRO6000/meta-llama/Llama-3.1-8B/bf16/tp1/skew_fit.csv", "alpha", "kv_big_label" },
        { "llmservingsim/perf/RTXPRO6000/Qwen/Qwen3-30B-A3B-Instruct-2507/bf16/tp1/moe.csv", "time_us", "activated_experts" },
        { "llmservingsim/v0/perf_models/H100/meta-llama/Llama-3.1-8B/tp1/layers.csv", "latency(ns)", "tp_size" },
        { "llmservingsim/v0/perf_models/H100/meta-llama/Llama-3.1-70B/tp4/attention.csv", "time_stats.attn_prefill.median", "time_stats.attn_decode.median" },
        { "vidur/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv", "time_stats.attn_pre_proj.median", "n_head" },
        { "vidur/profiling/network/h100_dgx/all_reduce.csv", "time_stats.all_reduce.median", "num_workers" },
        { "vidur/profiling/network/h100_dgx/send_recv.csv", "time_stats.send_recv.median", "devices_per_node" },
        { "aiconfigurator/op_data/a100_sxm/gemm/vllm/0.14.0/gemm_perf.csv", "latency", "m" },
        { "aiconfigurator/op_data/a100_sxm/comm/nccl/2.27.3/nccl_perf.csv", "latency", "message_size" },
    };

    [Theory]
    [MemberData(nameof(TableKinds))]
    public void CorruptedCopies_OfEachTableKind_AreNamedErrors(string relative, string valueField, string requiredField)
    {
        var lines = File.ReadAllLines(Path.Combine(Profiles, relative));
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        int value = Array.FindIndex(header, h => h.Equals(valueField, StringComparison.OrdinalIgnoreCase));
        int required = Array.FindIndex(header, h => h.Equals(requiredField, StringComparison.OrdinalIgnoreCase));
        Assert.True(value >= 0 && required >= 0, $"{relative} lacks {valueField} or {requiredField}");

        var cells = lines[2].Split(',');
        cells[value] = "n/a";
        var e = Load(relative, [lines[0], lines[1], string.Join(",", cells), .. lines[3..]]);
        Assert.Contains($":3: field '{valueField}': 'n/a' is not a number", e.Message);

        var dropped = lines.Select(l => string.Join(",", l.Split(',').Where((_, i) => i != required))).ToArray();
        Assert.Contains($"'{requiredField}'", Load(relative, dropped).Message);

        Assert.Contains("no rows", Load(relative, [lines[0]]).Message);
        Assert.Contains("empty", Load(relative, []).Message);
    }

    /// <summary>Copies the folder holding <paramref name="relative"/> (and meta.yaml above a TP folder), replaces the file, and loads it as the simulator would.</summary>
    private static FormatException Load(string relative, string[] content)
    {
        var source = Path.Combine(Profiles, relative);
        var sourceDir = Path.GetDirectoryName(source)!;
        var root = Directory.CreateTempSubdirectory("tokensim-corrupt-").FullName;
        try
        {
            bool tpFolder = Path.GetFileName(sourceDir).StartsWith("tp", StringComparison.Ordinal);
            var dir = tpFolder ? Path.Combine(root, Path.GetFileName(sourceDir)) : root;
            Directory.CreateDirectory(dir);
            foreach (var f in Directory.GetFiles(sourceDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            if (tpFolder && File.Exists(Path.Combine(sourceDir, "..", "meta.yaml"))) File.Copy(Path.Combine(sourceDir, "..", "meta.yaml"), Path.Combine(root, "meta.yaml"));
            var target = Path.Combine(dir, Path.GetFileName(source));
            File.WriteAllLines(target, content);
            var e = Record.Exception(() =>
            {
                if (Path.GetFileName(source) == "skew_fit.csv") _ = SkewFit.Read(root, ProfileReader.TensorParallelOf(dir));
                else _ = ProfileReader.Read(dir);
            });
            var format = Assert.IsAssignableFrom<FormatException>(e);
            Assert.Contains(target, format.Message);
            return format;
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Theory]
    [InlineData("  bucket_axes:", "skew_fit.bucket_axes", "is missing")]
    [InlineData("    n_bins:", "skew_fit.bucket_axes.n_bins", "is missing")]
    [InlineData("      alpha_default:", "skew_fit.per_tp.1.alpha_default", "is missing")]
    public void MetaYaml_WithADeclaredFitMissingAKey_NamesTheKey(string dropFrom, string field, string problem)
    {
        var source = Path.Combine(Profiles, "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");
        var root = Directory.CreateTempSubdirectory("tokensim-meta-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "tp1"));
            File.Copy(Path.Combine(source, "tp1", "skew_fit.csv"), Path.Combine(root, "tp1", "skew_fit.csv"));
            // Drop the key's line and everything indented under it.
            var lines = File.ReadAllLines(Path.Combine(source, "meta.yaml"));
            int at = Array.FindIndex(lines, l => l.StartsWith(dropFrom, StringComparison.Ordinal));
            Assert.True(at >= 0, dropFrom);
            int indent = dropFrom.Length - dropFrom.TrimStart().Length;
            int end = at + 1;
            while (end < lines.Length && (lines[end].Length - lines[end].TrimStart().Length > indent || lines[end].TrimStart().StartsWith("- ", StringComparison.Ordinal))) end++;
            File.WriteAllLines(Path.Combine(root, "meta.yaml"), lines[..at].Concat(lines[end..]));
            var e = Assert.Throws<ProfileFormatException>(() => SkewFit.Read(root, 1));
            Assert.Equal(Path.Combine(root, "meta.yaml"), e.File);
            Assert.Equal(field, e.Field);
            Assert.Contains(problem, e.Message);

            File.WriteAllText(Path.Combine(root, "meta.yaml"), "skew_fit: [unclosed");
            Assert.Contains("not valid YAML", Assert.Throws<ProfileFormatException>(() => SkewFit.Read(root, 1)).Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
