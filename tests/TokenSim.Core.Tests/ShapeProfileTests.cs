using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests;

/// <summary>AIConfigurator's tables by operator shape give any dense model a measured step on their GPU.</summary>
public class ShapeProfileTests
{
    private static readonly string A100 = TestSupport.DataFile("profiles", "aiconfigurator", "op_data", "a100_sxm");

    [Theory]
    [InlineData("llama-3.1-8b", 1)]
    [InlineData("llama-3.1-8b", 2)]
    [InlineData("qwen3-8b", 1)]
    [InlineData("llama-2-13b", 4)]
    public void AnyDenseModel_OnA100_Simulates_WithItsGemmsAndAttentionMeasured(string modelName, int tp)
    {
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve(modelName), HardwareCatalog.Resolve("a100-80g"), new EngineConfig { TensorParallel = tp, MaxModelLen = 4096, KvBlocks = 4000 });
        var model = Assert.IsType<LayerProfileExecutionTimeModel>(ExecutionTimeModels.Parse($"profile:{A100}")(spec));
        Assert.StartsWith("measured: attn_pre_proj, attn_post_proj, mlp_up_proj, mlp_down_proj, lm_head, attention;", model.Sources);
        TestSupport.RunTwenty(spec, ExecutionTimeModels.Parse($"profile:{A100}"));
    }

    [Fact]
    public void ItsGemms_AgreeWithVidursMeasuredProjections_OfTheSameModelAndGpu()
    {
        // Two independent measurements of Llama-2-7B's projections on A100: AIConfigurator by shape, Vidur by model.
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-2-7b"), HardwareCatalog.Resolve("a100-80g"), new EngineConfig { MaxModelLen = 4096 });
        var shapes = LayerOperatorTables.FromShapes(A100, (AIConfiguratorProfile)ProfileReader.ReadFile(
            Path.Combine(A100, "gemm", "vllm", "0.14.0", "gemm_perf.csv")), spec.Model, 1, null, null);
        var vidur = LayerOperatorTables.From(VidurProfile.Read(TestSupport.DataFile("profiles", "vidur", "profiling", "compute", "a100", "meta-llama", "Llama-2-7b-hf", "mlp.csv")))!;
        string[] gemms = ["attn_pre_proj", "attn_post_proj", "mlp_up_proj", "mlp_down_proj"];
        foreach (var tokens in new[] { 64, 512, 2048 })
        {
            double a = gemms.Sum(op => shapes.Get(op)!(1, tokens)), v = gemms.Sum(op => vidur.Get(op)!(1, tokens));
            Assert.InRange(a / v, 0.8, 1.25);
        }
    }

    [Fact]
    public void OnAnotherGpu_IsANamedError()
    {
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-8b"), HardwareCatalog.Resolve("h100-sxm"), new EngineConfig { MaxModelLen = 4096 });
        var e = Assert.Throws<ArgumentException>(() => ExecutionTimeModels.Parse($"profile:{A100}")(spec));
        Assert.Contains("was measured on a100-80g; the replica runs on h100-sxm", e.Message);
    }
}
