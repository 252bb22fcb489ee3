using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Gpu;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// A W8A8 or W4A4 linear layer run eagerly first quantises its 16-bit input in a kernel of its own (vLLM:
/// <c>scaled_fp8_quant</c>, <c>scaled_fp4_quant</c>). Worked by hand on the GEMM tests' toy GPU given a 3 µs launch
/// and FP8/FP4 tensor cores: memory and L2 too fast to matter, so the kernel costs its launch.
/// </summary>
public class ActivationQuantTests
{
    private static readonly GpuModelParameters Ideal = new() { TensorEfficiency = 1, MemoryEfficiency = 1, AttentionEfficiency = 1 };

    private static HardwareSpec Toy(bool fp4)
    {
        var toy = GemmModelTests.Toy();
        var flops = new Dictionary<string, double> { ["bf16"] = 4e12, ["fp8"] = 8e12 };
        if (fp4) flops["fp4"] = 16e12;
        return toy with { Flops = flops, Microarchitecture = toy.Microarchitecture! with { KernelLaunchSeconds = 3e-6 } };
    }

    [Theory]
    [InlineData("fp8", true, 3e-6)]
    [InlineData("int8", true, 3e-6)]
    [InlineData("fp4", true, 3e-6)] // NVFP4 on FP4 tensor cores: W4A4
    [InlineData("fp4", false, 0)] // no FP4 tensor cores: W4A16, the input stays 16-bit
    [InlineData("bf16", true, 0)]
    public void QuantisedActivations_TakeOneKernel_WhichTheServedStepLeavesToVllmsFusions(string dtype, bool fp4TensorCores, double quant)
    {
        var hw = Toy(fp4TensorCores);
        var kernels = new GpuKernels(hw, dtype, Ideal);
        Assert.Equal(quant, kernels.ActivationQuant(64, 1024), 12);
        Assert.Equal(new GemmModel(new GpuDevice(hw, dtype, Ideal)).Seconds(64, 1024, 1024), kernels.Gemm(64, 1024, 1024));
    }

    [Fact]
    public void TheQuantKernel_MovesTheInputAt16BitsIn_AndTheGemmsWidthOut()
    {
        // DRAM at 10^12 B/s and an L2 too small to hold it: 4,096 x 8,192 inputs, 2 B read and 1 B written each.
        var toy = Toy(false);
        var hw = toy with
        {
            MemoryBandwidthBytesPerSecond = 1e12,
            Microarchitecture = toy.Microarchitecture! with { L2Bytes = 1 << 20, KernelLaunchSeconds = 0 },
        };
        Assert.Equal(4096.0 * 8192 * 3 / 1e12, new GpuKernels(hw, "fp8", Ideal).ActivationQuant(4096, 8192), 15);
    }

    [Fact]
    public void AnAIConfiguratorFp8Row_IsTheQuantKernelPlusTheGemm_AndABf16RowTheGemm()
    {
        var h100 = HardwareCatalog.Resolve("h100-sxm");
        var profile = AIConfiguratorProfile.Read(TestSupport.DataFile(["profiles", "aiconfigurator", "op_data", "h100_sxm", "gemm", "vllm", "0.19.0", "gemm_perf.csv.gz"]));
        var ops = new OperatorRoofline(h100, h100.Name, null, kernels: (h, dtype) => new GpuKernels(h, dtype));
        double Predict(string dtype, double[] key)
        {
            var table = profile.Tables.Single(t => t.Name == $"gemm_perf.csv:{dtype}");
            return (ops.For(profile, table, out string reason) ?? throw new InvalidOperationException(reason))(key);
        }
        // (n, k, m) = (8192, 8192, 2048).
        var fp8 = new GpuKernels(h100, "fp8");
        Assert.Equal(fp8.Gemm(2048, 8192, 8192) + fp8.ActivationQuant(2048, 8192), Predict("fp8", [8192, 8192, 2048]), 15);
        Assert.True(fp8.ActivationQuant(2048, 8192) > 0);
        Assert.Equal(new GpuKernels(h100, "bfloat16").Gemm(2048, 8192, 8192), Predict("bfloat16", [8192, 8192, 2048]), 15);
    }
}
