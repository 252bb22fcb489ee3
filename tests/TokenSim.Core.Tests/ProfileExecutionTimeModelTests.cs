using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

public class ProfileExecutionTimeModelTests
{
    private static readonly string Dir = TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");

    private static ReplicaSpec Spec(int tp = 1) =>
        TestSupport.Spec(new EngineConfig { TensorParallel = tp, MaxNumSeqs = 128, MaxNumBatchedTokens = 2048 }, "llama-3.1-8b", "rtx-pro-6000");

    [Fact]
    public void PureDecodeAtMeasuredPoints_IsTheSumOfTheTables()
    {
        var profile = LlmServingSimProfile.Read(Dir, 1);
        var model = new ProfileExecutionTimeModel(Spec(), profile);
        // 128 decodes at KV 1024: every table is read at a measured point (dense at 128 tokens is a capture size).
        var shape = new BatchShape { Tokens = 128, Sequences = 128, Sampled = 128, DecodeCount = 128, DecodeContext = 128 * 1024 };
        double perLayer = 0;
        foreach (var (op, t) in profile.Dense)
            if (op is not ("embedding" or "final_layernorm")) perLayer += (op == "layernorm" ? 2 : 1) * t.Evaluate(128);
        // Values from the CSVs (µs): attention 0,0,128,1024 = 404.865; lm_head 128 = 734.306; sampler 128 = 63.766.
        double expected = 32 * (perLayer + 404.865e-6) + profile.Dense["embedding"].Evaluate(128) + profile.Dense["final_layernorm"].Evaluate(128)
            + 734.306e-6 + 63.766e-6 + model.KernelsPerStep * model.Parameters.KernelLatencySeconds;
        Assert.Equal(expected, model.StepSeconds(shape), 9);
        Assert.Equal(32 * 9 + 4, model.KernelsPerStep); // per layer 7 operators, a second RMSNorm, attention; then embedding, final norm, LM head, sampler
    }

    [Fact]
    public void SmallStep_PaysForItsCudaGraphPaddedTokenCount()
    {
        var model = new ProfileExecutionTimeModel(Spec(), LlmServingSimProfile.Read(Dir, 1));
        Assert.Equal(model.DenseSeconds(400), model.DenseSeconds(400));
        var pad = CudaGraphPadding.For(Spec());
        Assert.Equal(256, pad.MaxCaptureSize); // min(2 × 128, 512, 2048)
        Assert.Equal(400 > 256 ? 400 : 0, pad.Pad(400));
        Assert.Equal(136, pad.Pad(130));
        Assert.Equal(4, pad.Pad(3));
        var small = new BatchShape { Tokens = 130, Sequences = 130, Sampled = 130, DecodeCount = 130, DecodeContext = 130 * 512 };
        var padded = small with { Tokens = 136 };
        // Same attention and LM head, dense layers at 136 tokens: identical to an unpadded 136-token decode's dense part.
        Assert.Equal(model.StepSeconds(small) - model.AttentionSecondsPerLayer(small) * 32,
            model.StepSeconds(padded) - model.AttentionSecondsPerLayer(padded) * 32, 9);
    }

    [Fact]
    public void Tp2_ReadsItsOwnTables_AndAddsAllReduce()
    {
        var noComm = new TokenSim.Core.ExecutionTime.Communication.NcclCostModel(new LinkSpec("nvlink", 1e18, 0), 9.0, true,
            TokenSim.Core.ExecutionTime.Communication.CommCalibration.Unfitted);
        var tp2 = new ProfileExecutionTimeModel(Spec(2), LlmServingSimProfile.Read(Dir, 2), communication: noComm);
        var tp1 = new ProfileExecutionTimeModel(Spec(1), LlmServingSimProfile.Read(Dir, 1));
        Assert.True(tp2.DenseSeconds(1024) < tp1.DenseSeconds(1024) - 32 * 2 * 10e-6, "half the weights per GPU, whatever the link costs");
        Assert.True(new ProfileExecutionTimeModel(Spec(2), LlmServingSimProfile.Read(Dir, 2)).DenseSeconds(1024) > tp2.DenseSeconds(1024), "the all-reduces cost something");
        Assert.Throws<ArgumentException>(() => LlmServingSimProfile.Read(Dir, 4));
    }

    [Fact]
    public void PerfModelSpec_DetectsTheFormat_AndRejectsOthers()
    {
        var factory = ExecutionTimeModels.Parse($"profile:{Dir}");
        Assert.IsType<ProfileExecutionTimeModel>(factory(Spec()));
        Assert.IsType<RooflineExecutionTimeModel>(ExecutionTimeModels.Parse("roofline")(Spec()));
        Assert.Throws<DirectoryNotFoundException>(() => ExecutionTimeModels.Parse("profile:/nonexistent"));
        Assert.Throws<ArgumentException>(() => ExecutionTimeModels.Parse($"profile:{Dir},speed=max"));
        Assert.Throws<ArgumentException>(() => ExecutionTimeModels.Parse("magic"));
    }

    [Fact]
    public void CorruptedTable_IsAClearError()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-profile-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(Path.Combine(Dir, "tp1"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var lines = File.ReadAllLines(Path.Combine(dir, "dense.csv"));
            lines[5] = "qkv_proj,5,fast";
            File.WriteAllLines(Path.Combine(dir, "dense.csv"), lines);
            var e = Assert.Throws<TokenSim.Core.Workload.WorkloadFormatException>(() => LlmServingSimProfile.Read(dir, 1));
            Assert.Equal(6, e.Line);
            Assert.Equal("time_us", e.Field);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
