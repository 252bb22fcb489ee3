using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// What 4- and 8-bit checkpoints change in the GPU model, by hand: NVFP4 weights are half a byte plus one FP8
/// scale per 16 values (0.5625 B); a 4-bit checkpoint on a GPU without FP4 tensor cores multiplies at bf16's rate
/// (vLLM's Marlin/Triton W4A16 kernels); the LM head stays at 16 bits.
/// </summary>
public class LowPrecisionTests
{
    [Fact]
    public void Nvfp4Weights_AreHalfAByteAndTheirScales()
    {
        Assert.Equal(0.5625, DTypes.WeightBytes("nvfp4"));
        Assert.Equal(1.0, DTypes.WeightBytes("fp8"));
        var b200 = HardwareCatalog.Resolve("b200");
        var fp4 = new GemmModel(new GpuDevice(b200, "fp4", new GpuModelParameters()));
        var fp8 = new GemmModel(new GpuDevice(b200, "fp8", new GpuModelParameters()));
        // A decode GEMM (one row) is its weights: 8,192 x 8,192 of them, plus one 8,192-wide row in and out.
        Assert.InRange(fp4.DramBytes(1, 8192, 8192, 1) - 0.5625 * 8192 * 8192, 0, 8192 * 3);
        Assert.InRange(fp8.DramBytes(1, 8192, 8192, 1) - 8192.0 * 8192, 0, 8192 * 3);
        // So a weight-bound decode GEMM takes a bit over half the FP8 time.
        double ratio = fp4.Seconds(1, 8192, 8192) / fp8.Seconds(1, 8192, 8192);
        Assert.InRange(ratio, 0.5, 0.7);
    }

    [Fact]
    public void FourBitWeights_OnHopper_MultiplyAtBf16()
    {
        var h100 = HardwareCatalog.Resolve("h100-sxm");
        Assert.False(h100.Flops.ContainsKey("fp4"));
        var p = new GpuModelParameters();
        Assert.Equal(new GpuDevice(h100, "bf16", p).SmFlops, new GpuDevice(h100, "fp4", p).SmFlops);
        // B200 has FP4 tensor cores: four times its bf16 rate (9 against 2.25 PFLOPS dense).
        var b200 = HardwareCatalog.Resolve("b200");
        Assert.Equal(4.0, new GpuDevice(b200, "fp4", p).SmFlops / new GpuDevice(b200, "bf16", p).SmFlops, 9);
    }

    [Fact]
    public void LmHead_OfAnFp8Checkpoint_RunsAt16Bits()
    {
        var h200 = HardwareCatalog.Resolve("h200");
        var fp8 = new GpuKernels(h200, "fp8", kvDType: "bf16");
        var bf16 = new GpuKernels(h200, "bf16", kvDType: "bf16");
        // Llama-3.1-8B's LM head at one row: 128,256 x 4,096 bf16 weights whichever the checkpoint.
        Assert.Equal(bf16.Gemm(1, 128256, 4096), fp8.Gemm16(1, 128256, 4096));
        Assert.True(fp8.Gemm(1, 128256, 4096) < 0.6 * fp8.Gemm16(1, 128256, 4096));
    }
}
