using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

public class ProfileReaderTests
{
    private static string P(params string[] parts) => TestSupport.DataFile(["profiles", .. parts]);
    private static readonly string VidurMlp = P("vidur", "profiling", "compute", "a100", "meta-llama", "Llama-2-7b-hf", "mlp.csv");
    private static readonly string VidurAttention = P("vidur", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv");
    private static readonly string AllReduce = P("vidur", "profiling", "network", "h100_dgx", "all_reduce.csv");
    private static readonly string V0 = P("llmservingsim", "v0", "perf_models", "H100", "meta-llama", "Llama-3.1-8B", "tp1");
    private static readonly string V0Attention = P("llmservingsim", "v0", "perf_models", "H100", "meta-llama", "Llama-3.1-70B", "tp4");
    private static readonly string Gemm = P("aiconfigurator", "op_data", "a100_sxm", "gemm", "vllm", "0.14.0", "gemm_perf.csv");

    [Fact]
    public void VidurMlp_OneTablePerOperator_InSeconds_FromTheMedian()
    {
        var p = VidurProfile.Read(VidurMlp);
        Assert.Equal(VidurProfile.MlpOperators.Length, p.Tables.Count);
        var pre = p.Tables.Single(t => t.Name == "mlp.csv:attn_pre_proj").Interpolator;
        // Row 2 of the file: TP 1, 4096 tokens, median 1.85195 ms; 4096 tokens was measured twice, so the two medians are averaged.
        Assert.InRange(pre.Evaluate(1, 4096), 1.80e-3, 1.90e-3);
        Assert.Equal(4096, p.Shape!.HiddenSize);
        Assert.Equal(11008, p.Shape.IntermediateSize);
    }

    [Fact]
    public void VidurAttention_PrefillByChunkAndKv_DecodeByBatchAndKv()
    {
        var p = VidurProfile.Read(VidurAttention);
        Assert.Equal(["attention.csv:attn_prefill", "attention.csv:attn_decode"], p.Tables.Select(t => t.Name));
        var decode = p.Tables[1].Interpolator;
        Assert.Equal(0.013376e-3, decode.Evaluate(1, 32), 9); // batch 1, KV 32: median 0.013376 ms
        Assert.Equal(28, p.Shape!.NumHeads);
    }

    [Fact]
    public void Network_AllReduce_ByWorkersNodeAndSize()
    {
        var p = (VidurProfile)ProfileReader.ReadFile(AllReduce);
        var t = Assert.Single(p.Tables).Interpolator;
        Assert.Equal(["num_workers", "devices_per_node", "size"], t.Axes);
        Assert.True(t.Evaluate(8, 8, 67108864) > t.Evaluate(8, 8, 2048));
    }

    [Fact]
    public void LlmServingSimV0_LayersInNanoseconds_AndVidurAttentionBeside()
    {
        var p = LlmServingSimV0Profile.Read(V0);
        Assert.Equal(2915e-9, p.Layers["embedding"].Evaluate(1, 0, 1), 15); // first row: embedding,1,0,1,2915
        Assert.Equal(15, p.Layers.Count);
        var big = LlmServingSimV0Profile.Read(V0Attention);
        Assert.NotNull(big.Attention);
        Assert.Equal(4, big.TensorParallel);
        Assert.Contains(big.Tables, t => t.Name == "attention.csv:attn_decode");
    }

    [Fact]
    public void AIConfiguratorGemm_ByNKM_InSeconds()
    {
        var p = AIConfiguratorProfile.Read(Gemm);
        var g = Assert.Single(p.Tables).Interpolator;
        Assert.Equal(15.287540011935763e-3, g.Evaluate(65536, 4096, 8192), 12); // first row: m 8192, n 65536, k 4096
    }

    [Fact]
    public void ProfileReader_FindsEveryProfileInATree_AndInfersGpuAndModel()
    {
        var all = ProfileReader.Read(P("llmservingsim", "perf", "RTX4090"));
        var p = Assert.IsType<LlmServingSimProfile>(Assert.Single(all));
        Assert.Equal("rtx-4090", ProfileReader.InferHardware(p.Source, out _)!.Name);
        Assert.Equal("llama-3.1-8b", ProfileReader.InferModel(p.Source)!.Name);
        Assert.Equal("a100-80g", ProfileReader.InferHardware(VidurMlp, out _)!.Name);
        Assert.Equal("llama-2-7b", ProfileReader.InferModel(VidurMlp)!.Name);
        Assert.Equal("h100-sxm", ProfileReader.InferHardware(AllReduce, out _)!.Name);
        Assert.Null(ProfileReader.InferHardware(VidurAttention, out var named));
        Assert.Equal("a30", named);
    }

    public static TheoryData<string, int, string, string> Corruptions => new()
    {
        // file, line to corrupt, column to corrupt, replacement
        { VidurMlp, 5, "time_stats.attn_pre_proj.median", "abc" },
        { VidurAttention, 7, "is_prefill", "maybe" },
        { AllReduce, 4, "size", "" },
        { Path.Combine(V0, "layers.csv"), 9, "latency(ns)", "-3" },
        { Gemm, 3, "latency", "NaN" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptedCopy_ErrorNamesFileLineAndField(string source, int line, string column, string replacement)
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-profile-");
        var copy = Path.Combine(dir.FullName, Path.GetFileName(source));
        var lines = File.ReadAllLines(source);
        int c = Array.IndexOf(lines[0].Split(','), column);
        Assert.True(c >= 0, column);
        var cells = lines[line - 1].Split(',');
        cells[c] = replacement;
        lines[line - 1] = string.Join(",", cells);
        File.WriteAllLines(copy, lines);
        var e = Assert.ThrowsAny<FormatException>(() => ProfileReader.Read(copy));
        Assert.Contains($"{copy}:{line}:", e.Message);
        Assert.Contains($"'{column}'", e.Message);
        dir.Delete(true);
    }

    [Fact]
    public void UnknownTable_IsAClearError()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "a,b\n1,2\n");
        var e = Assert.ThrowsAny<FormatException>(() => ProfileReader.ReadFile(file));
        Assert.Contains($"{file}:1:", e.Message);
        File.Delete(file);
    }
}
