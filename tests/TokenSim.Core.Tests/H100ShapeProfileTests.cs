using System.IO.Compression;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>
/// AIConfigurator's H100 SXM tables (vLLM 0.19.0, shipped gzip-compressed): read like the plain A100 ones, looked up
/// at hand-checked rows, and composed into steps for any dense model, in bf16 or fp8.
/// </summary>
public class H100ShapeProfileTests
{
    private static readonly string H100 = TestSupport.DataFile("profiles", "aiconfigurator", "op_data", "h100_sxm");
    private static readonly string Gemm = Path.Combine(H100, "gemm", "vllm", "0.19.0", "gemm_perf.csv.gz");
    private static readonly string Generation = Path.Combine(H100, "attention", "vllm", "0.19.0", "generation_attention_perf.csv.gz");
    private static readonly string Context = Path.Combine(H100, "attention", "vllm", "0.19.0", "context_attention_perf.csv.gz");
    private static readonly Lazy<AIConfiguratorProfile> GemmProfile = new(() => (AIConfiguratorProfile)ProfileReader.ReadFile(Gemm));

    private static ProfileTable Table(AIConfiguratorProfile p, string name) => Assert.Single(p.Tables, t => t.Name == name);

    [Fact]
    public void Gemm_OneTablePerDtype_HandCheckedRows_AndLinearBetweenThem()
    {
        var p = GemmProfile.Value;
        Assert.Equal("gemm", p.Kind);
        Assert.Equal(["gemm_perf.csv:bfloat16", "gemm_perf.csv:fp8"], p.Tables.Select(t => t.Name));
        var bf16 = Table(p, "gemm_perf.csv:bfloat16").Interpolator;
        var fp8 = Table(p, "gemm_perf.csv:fp8").Interpolator;
        // Rows of gemm_perf.csv (ms), axes (n, k, m).
        Assert.Equal(0.015423999892340766e-3, bf16.Evaluate(4096, 4096, 128), 15);
        Assert.Equal(0.01366666704416275e-3, fp8.Evaluate(4096, 4096, 128), 15);
        Assert.Equal(0.013790222505728403e-3, fp8.Evaluate(4096, 4096, 96), 15);
        // The grid samples both sides of each tile boundary (m 256: 0.01889244384235806, 257: 0.02184355590078566, the
        // staircase), so m 384 lies 127/255 of the way from the row at 257 to the one at 512 (0.02460711035463545).
        Assert.Equal((0.02184355590078566 + (0.02460711035463545 - 0.02184355590078566) * 127 / 255) * 1e-3, bf16.Evaluate(4096, 4096, 384), 15);
    }

    [Fact]
    public void Attention_ByKvDtype_FullAttentionOnly_HandCheckedRows()
    {
        var gen = (AIConfiguratorProfile)ProfileReader.ReadFile(Generation);
        Assert.Equal("generation_attention", gen.Kind);
        // vLLM 0.19.0's window_size is a group: only full attention (0) ships, for a bf16 and an fp8 KV cache.
        Assert.Equal(["generation_attention_perf.csv:bfloat16/bfloat16/0", "generation_attention_perf.csv:bfloat16/fp8/0"], gen.Tables.Select(t => t.Name));
        var bf16 = gen.Tables[0].Interpolator;
        var fp8 = gen.Tables[1].Interpolator;
        // Llama-3.1-8B at TP1 (8 KV heads, 32 heads, head 128), 16 decodes: rows at step 1023 and 2047.
        Assert.Equal(0.03330666571855545e-3, bf16.Evaluate(8, 32, 128, 16, 1, 1023), 15);
        Assert.Equal(0.02081599955757459e-3, fp8.Evaluate(8, 32, 128, 16, 1, 1023), 15);
        Assert.Equal((0.03330666571855545 + 0.054117331902186074) / 2 * 1e-3, bf16.Evaluate(8, 32, 128, 16, 1, 1535), 15);

        // Read through the attention table as the simulator does: 16 decodes at a mean KV length of 1,536 (isl 1 + step 1535).
        var ctx = (AIConfiguratorProfile)ProfileReader.ReadFile(Context);
        var decode = new BatchShape { Tokens = 16, Sequences = 16, Sampled = 16, DecodeCount = 16, DecodeContext = 16 * 1536 };
        Assert.Equal((0.03330666571855545 + 0.054117331902186074) / 2 * 1e-3, new AIConfiguratorAttentionTable(ctx, gen, 32, 8, 128).SecondsPerLayer(decode), 15);
        var fp8Cache = new AIConfiguratorAttentionTable(ctx, gen, 32, 8, 128, "fp8");
        Assert.Equal("bfloat16 (KV cache fp8)", fp8Cache.Table);
        Assert.Equal((0.02081599955757459 + 0.03610666592915853) / 2 * 1e-3, fp8Cache.SecondsPerLayer(decode), 15);
        // One prompt of 1,024 tokens (its n(n+1)/2 causal pairs): the context row at batch 1, isl 1024.
        var prefill = new BatchShape { Tokens = 1024, Sequences = 1, Sampled = 1, PrefillCount = 1, PrefillTokens = 1024, PrefillAttentionPairs = 1024 * 1025 / 2.0, PrefillContext = 1024 };
        Assert.Equal(0.02903466671705246e-3, new AIConfiguratorAttentionTable(ctx, gen, 32, 8, 128).SecondsPerLayer(prefill), 12);
    }

    [Fact]
    public void GzippedAndPlain_ReadAlike()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-aic-");
        try
        {
            var plain = Path.Combine(dir.FullName, "generation_attention_perf.csv");
            using (var gz = new GZipStream(File.OpenRead(Generation), CompressionMode.Decompress))
            using (var output = File.Create(plain))
                gz.CopyTo(output);
            var a = (AIConfiguratorProfile)Assert.Single(ProfileReader.Read(dir.FullName));
            var b = (AIConfiguratorProfile)ProfileReader.ReadFile(Generation);
            Assert.Equal(b.Tables.Select(t => t.Name), a.Tables.Select(t => t.Name));
            Assert.Equal(b.Tables.Select(t => t.Interpolator.Points.Count), a.Tables.Select(t => t.Interpolator.Points.Count));
            Assert.Equal(b.Tables[1].Interpolator.Evaluate(4, 16, 128, 48, 1, 3000), a.Tables[1].Interpolator.Evaluate(4, 16, 128, 48, 1, 3000));
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Llama31_8B_OnH100_Simulates_WithItsGemmsAttentionAndCollectivesMeasured(int tp)
    {
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-8b"), HardwareCatalog.Resolve("h100-sxm"), new EngineConfig { TensorParallel = tp, MaxModelLen = 4096, KvBlocks = 4000 });
        var model = Assert.IsType<LayerProfileExecutionTimeModel>(ExecutionTimeModels.Parse($"profile:{H100}")(spec));
        Assert.StartsWith("measured: attn_pre_proj, attn_post_proj, mlp_up_proj, mlp_down_proj, lm_head, attention;", model.Sources);
        Assert.EndsWith("tables: gemm bfloat16, lm_head bfloat16, attention bfloat16 (KV cache bfloat16)", model.Sources);
        if (tp > 1) Assert.Contains("measured", model.Communication);
        TestSupport.RunTwenty(spec, ExecutionTimeModels.Parse($"profile:{H100}"));
    }

    [Fact]
    public void Fp8Model_ReadsTheFp8Gemms_AndItsKvCacheDtype()
    {
        ReplicaSpec Spec(string dtype, string kv) => ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-70b") with { DType = dtype }, HardwareCatalog.Resolve("h100-sxm"),
            new EngineConfig { TensorParallel = 4, MaxModelLen = 4096, KvBlocks = 4000, KvCacheDType = kv });
        var fp8 = Assert.IsType<LayerProfileExecutionTimeModel>(ExecutionTimeModels.Parse($"profile:{H100}")(Spec("fp8", "fp8")));
        Assert.EndsWith("tables: gemm fp8, lm_head bfloat16, attention bfloat16 (KV cache fp8)", fp8.Sources);
        var bf16 = Assert.IsType<LayerProfileExecutionTimeModel>(ExecutionTimeModels.Parse($"profile:{H100}")(Spec("bf16", "bf16")));
        // A decode step of 32 at KV 2,048: FP8 weights and cache halve the bytes a memory-bound step reads, and the
        // measured FP8 GEMMs and FP8-cache attention are faster at these shapes (the tables, not a model, say so).
        var decode = new BatchShape { Tokens = 32, Sequences = 32, Sampled = 32, DecodeCount = 32, DecodeContext = 32 * 2048 };
        Assert.True(fp8.StepSeconds(decode) < 0.85 * bf16.StepSeconds(decode), $"fp8 {fp8.StepSeconds(decode)} s, bf16 {bf16.StepSeconds(decode)} s");
    }

    [Fact]
    public void Fp8Model_OnA100_SaysItsGemmsAreBf16()
    {
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-8b") with { DType = "fp8" }, HardwareCatalog.Resolve("a100-80g"),
            new EngineConfig { MaxModelLen = 4096, KvBlocks = 4000, KvCacheDType = "bf16" });
        var model = Assert.IsType<LayerProfileExecutionTimeModel>(ExecutionTimeModels.Parse($"profile:{TestSupport.DataFile("profiles", "aiconfigurator", "op_data", "a100_sxm")}")(spec));
        Assert.Contains("gemm bfloat16 (the tables hold no fp8 GEMM for this fp8 model)", model.Sources);
    }

    [Fact]
    public void NotGzip_IsAOneLineError_NamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-aic-");
        try
        {
            var bad = Path.Combine(dir.FullName, "gemm_perf.csv.gz");
            File.WriteAllText(bad, "framework,version,latency\nVLLM,0.19.0,1\n"); // a plain CSV misnamed .gz
            var e = Assert.ThrowsAny<FormatException>(() => ProfileReader.Read(dir.FullName));
            Assert.StartsWith($"{bad}:1: not valid gzip data", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void CorruptedRowInAGzippedTable_ErrorNamesFileLineAndField()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-aic-");
        try
        {
            string[] lines;
            using (var reader = new StreamReader(new GZipStream(File.OpenRead(Generation), CompressionMode.Decompress)))
                lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int c = Array.IndexOf(lines[0].Split(','), "latency");
            var cells = lines[2].Split(',');
            cells[c] = "NaN";
            lines[2] = string.Join(",", cells);
            var copy = Path.Combine(dir.FullName, "generation_attention_perf.csv.gz");
            using (var gz = new StreamWriter(new GZipStream(File.Create(copy), CompressionLevel.Fastest)))
                gz.Write(string.Join("\n", lines) + "\n");
            var e = Assert.ThrowsAny<FormatException>(() => ProfileReader.Read(dir.FullName));
            Assert.Contains($"{copy}:3:", e.Message);
            Assert.Contains("'latency'", e.Message);
        }
        finally { dir.Delete(true); }
    }
}
