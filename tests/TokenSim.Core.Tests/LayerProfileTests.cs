using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>Per-layer operator profiles (Vidur mlp.csv, LLMServingSim v0 layers.csv) drive simulations too.</summary>
public class LayerProfileTests
{
    private static readonly string Profiles = TestSupport.DataFile("profiles");

    /// <summary>Every Vidur model folder on a catalog GPU at TP 1 and 2, and every v0 TP folder.</summary>
    public static TheoryData<string, int> Folders()
    {
        var data = new TheoryData<string, int>();
        foreach (var mlp in Directory.EnumerateFiles(Path.Combine(Profiles, "vidur", "profiling", "compute"), "mlp.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            foreach (var tp in new[] { 1, 2 })
                data.Add(Path.GetRelativePath(Profiles, Path.GetDirectoryName(mlp)!), tp);
        foreach (var layers in Directory.EnumerateFiles(Path.Combine(Profiles, "llmservingsim", "v0"), "layers.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var dir = Path.GetDirectoryName(layers)!;
            data.Add(Path.GetRelativePath(Profiles, dir), ProfileReader.TensorParallelOf(dir));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void EveryPerLayerProfile_Simulates(string folder, int tp)
    {
        var dir = Path.Combine(Profiles, folder);
        var model = ProfileReader.InferModel(dir) ?? throw new InvalidOperationException($"{folder}: no catalog model");
        var hardware = ProfileReader.InferHardware(dir, out _) ?? throw new InvalidOperationException($"{folder}: no catalog GPU");
        var spec = ReplicaSpec.Create(model, hardware, new EngineConfig { TensorParallel = tp, MaxModelLen = 4096, KvBlocks = 4000 });
        var exec = ExecutionTimeModels.Parse($"profile:{dir}")(spec);
        var layer = Assert.IsType<LayerProfileExecutionTimeModel>(exec);
        Assert.StartsWith("measured: input_layernorm, attn_pre_proj", layer.Sources);
        TestSupport.RunTwenty(spec, ExecutionTimeModels.Parse($"profile:{dir}"));
    }

    [Fact]
    public void V0Layers_AtAMeasuredCount_AreTheSumOfTheTables()
    {
        var dir = Path.Combine(Profiles, "llmservingsim", "v0", "perf_models", "H100", "meta-llama", "Llama-3.1-8B", "tp1");
        var v0 = LlmServingSimV0Profile.Read(dir);
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-8b"), HardwareCatalog.Resolve("h100-sxm"), new EngineConfig { MaxModelLen = 4096 });
        var model = Assert.IsType<LayerProfileExecutionTimeModel>(ExecutionTimeModels.Parse($"profile:{dir}")(spec));
        // vLLM fuses the residual add into the RMSNorm, so a layer is the v0 table's ten operators and nothing else (TP 1: no all-reduce).
        string[] layer = ["input_layernorm", "q_proj", "k_proj", "v_proj", "rope", "o_proj", "post_layernorm", "gate_proj", "up_proj", "act_fn", "down_proj"];
        double expected = 32 * layer.Sum(op => v0.Layers[op].Evaluate(1, 0, 512)) + v0.Layers["embedding"].Evaluate(1, 0, 512) + v0.Layers["final_layernorm"].Evaluate(1, 0, 512);
        Assert.Equal(expected, model.DenseSeconds(512), 12);
        Assert.Equal("measured: input_layernorm, attn_pre_proj, attn_rope, attn_post_proj, post_attention_layernorm, mlp_up_proj, mlp_act, mlp_down_proj, emb, final_layernorm, lm_head; roofline: attention", model.Sources);
    }

    [Fact]
    public void AFolderWithoutTheModel_NamesWhatItHas()
    {
        var dir = Path.Combine(Profiles, "vidur", "profiling", "compute", "h100");
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("qwen3-8b"), HardwareCatalog.Resolve("h100-sxm"), new EngineConfig { MaxModelLen = 4096 });
        var e = Assert.Throws<ArgumentException>(() => ExecutionTimeModels.Parse($"profile:{dir}")(spec));
        Assert.Contains("no per-layer profile of qwen3-8b at TP 1", e.Message);
        Assert.Contains("Llama-2-7b-hf", e.Message);
    }
}
