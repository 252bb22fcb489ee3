using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using Xunit.Abstractions;

namespace TokenSim.Core.Tests;

public class RooflineCalibrationTests(ITestOutputHelper output)
{
    private static readonly string Dir = TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");

    [Fact]
    public void FitOnRtxPro6000_GivesPlausibleFactors_ThatReproduceTheMeasuredGemms()
    {
        var model = ModelCatalog.Resolve("llama-3.1-8b");
        var hw = HardwareCatalog.Resolve("rtx-pro-6000");
        var profile = LlmServingSimProfile.Read(Dir, 1);
        var p = RooflineCalibration.Fit(profile, model, hw, 1);
        output.WriteLine($"memory {p.MemoryEfficiency:F3} gemm {p.GemmComputeEfficiency:F3} attention {p.AttentionComputeEfficiency:F3} latency {p.KernelLatencySeconds * 1e6:F2} us");
        Assert.InRange(p.MemoryEfficiency, 0.6, 0.95);
        Assert.InRange(p.GemmComputeEfficiency, 0.5, 1.0);
        Assert.InRange(p.AttentionComputeEfficiency, 0.2, 1.0);
        Assert.InRange(p.KernelLatencySeconds, 1e-6, 5e-6);
        // With the fitted factors the roofline reproduces gate_up_proj at 1 and 2048 tokens within 15%.
        var k = new RooflineKernels(hw, model.DType, p);
        foreach (var tokens in new[] { 1, 2048 })
        {
            double measured = profile.Dense["gate_up_proj"].Evaluate(tokens);
            double predicted = k.Gemm(tokens, 2.0 * model.IntermediateSize, model.HiddenSize);
            output.WriteLine($"gate_up {tokens}: measured {measured * 1e6:F1} us, calibrated roofline {predicted * 1e6:F1} us");
            Assert.InRange(predicted / measured, 0.85, 1.15);
        }
    }

    [Fact]
    public void CalibratedFactors_CarryToAnotherGpu()
    {
        // Hardware exploration: factors learned on the RTX PRO 6000 drive an H100 replica, which has no profile here.
        var spec = TestSupport.Spec(new EngineConfig(), "llama-3.1-8b", "h100-sxm");
        var model = ExecutionTimeModels.Parse($"roofline:calibrate={Dir}")(spec);
        var plain = new RooflineExecutionTimeModel(spec);
        var decode = new TokenSim.Core.Simulation.BatchShape { Tokens = 64, Sequences = 64, Sampled = 64, DecodeCount = 64, DecodeContext = 64 * 1000 };
        double calibrated = model.StepSeconds(decode), uncalibrated = plain.StepSeconds(decode);
        output.WriteLine($"H100, 64 decodes at 1k: calibrated {calibrated * 1e3:F2} ms, default factors {uncalibrated * 1e3:F2} ms");
        Assert.IsType<RooflineExecutionTimeModel>(model);
        Assert.NotEqual(uncalibrated, calibrated);
        Assert.Equal("rtx-pro-6000", ExecutionTimeModels.ProfileHardware(Dir)!.Name);
    }
}
