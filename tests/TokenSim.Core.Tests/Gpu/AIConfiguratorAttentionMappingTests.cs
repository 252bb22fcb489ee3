using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Gpu;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// What a row of AIConfigurator's vLLM attention tables times: FlashAttentionImpl.forward replayed as a CUDA graph,
/// which writes the new tokens' K and V into the paged cache (reshape_and_cache_flash) before the attention kernel.
/// The GPU model's prediction for a row is that kernel plus the attention kernel.
/// </summary>
public class AIConfiguratorAttentionMappingTests
{
    private static string P(params string[] parts) => TestSupport.DataFile(["profiles", "aiconfigurator", "op_data", "a100_sxm", "attention", "vllm", "0.14.0", .. parts]);

    private static readonly HardwareSpec A100 = HardwareCatalog.Resolve("a100-80g");

    private static Func<double[], double> Predict(string file)
    {
        var profile = AIConfiguratorProfile.Read(P(file));
        var table = profile.Tables.Single(t => t.Name.EndsWith("bfloat16/bfloat16", StringComparison.Ordinal));
        var ops = new OperatorRoofline(A100, A100.Name, null, kernels: (h, dtype) => new GpuKernels(h, dtype));
        return ops.For(profile, table, out string reason) ?? throw new InvalidOperationException(reason);
    }

    [Fact]
    public void ContextRow_IsTheCacheWritePlusTheAttentionKernel()
    {
        var k = new GpuKernels(A100, "bfloat16");
        // 2 KV heads of 128, 4 prompts of 16 tokens: 64 tokens x (K, V) x 2 heads x 128 x (2 bytes read + 2 written) = 131,072 bytes.
        double expected = k.Attention(AttentionShape.Of(8, 2, 128, 2, 2, 4, 16, 0, 0, 0)) + k.Elementwise(131072, 64);
        Assert.Equal(expected, Predict("context_attention_perf.csv")([2, 8, 128, 4, 16]), 15);
    }

    [Fact]
    public void GenerationRow_WritesOneTokenPerSequence_AndReadsIslPlusStep()
    {
        var k = new GpuKernels(A100, "bfloat16");
        // 32 sequences at KV 1 + 15 = 16: 32 tokens x 2 x 1 head x 128 x 4 bytes = 32,768 bytes written through.
        double expected = k.Attention(AttentionShape.Of(8, 1, 128, 2, 2, 0, 0, 0, 32, 16)) + k.Elementwise(32768, 32);
        Assert.Equal(expected, Predict("generation_attention_perf.csv")([1, 8, 128, 32, 1, 15]), 15);
    }
}
