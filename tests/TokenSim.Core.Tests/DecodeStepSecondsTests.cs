using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>
/// A decode run's segment timed in one call (<see cref="IExecutionTimeModel.DecodeStepSeconds"/>) against each of its
/// steps timed alone (<see cref="IExecutionTimeModel.StepSeconds"/>): the same doubles, on every shape of deployment
/// the roofline composes differently (graphs or not, async or not, TP, PP, MoE with and without EP, corrections).
/// </summary>
public class DecodeStepSecondsTests
{
    public static TheoryData<string> Deployments() => ["default", "sync", "tp2", "pp2", "eager", "moe", "moe-ep", "beyond-graphs"];

    private static ReplicaSpec Spec(string deployment) => deployment switch
    {
        "default" => TestSupport.Spec(),
        "sync" => TestSupport.Spec(new EngineConfig { AsyncScheduling = false }),
        "tp2" => TestSupport.Spec(new EngineConfig { TensorParallel = 2 }),
        "pp2" => TestSupport.Spec(new EngineConfig { PipelineParallel = 2, AsyncScheduling = false }),
        "eager" => TestSupport.Spec(new EngineConfig { EnforceEager = true }),
        "moe" => TestSupport.Spec(new EngineConfig { MaxModelLen = 32768 }, "qwen3-30b-a3b", "h100-sxm"),
        "moe-ep" => TestSupport.Spec(new EngineConfig { DataParallel = 2, ExpertParallel = true, MaxModelLen = 32768, AsyncScheduling = false }, "qwen3-30b-a3b", "h100-sxm"),
        // More decodes than the largest CUDA graph: every kernel launched from the host.
        _ => TestSupport.Spec(new EngineConfig { MaxNumSeqs = 1024 }),
    };

    private static BatchShape Decodes(int n, long context, int above, long aboveContext) => new()
    {
        Tokens = n, GroupTokens = n, GroupMaxTokens = n, Sequences = n, Sampled = n, DecodeCount = n,
        DecodeContext = context, DecodeAboveMean = above, DecodeAboveMeanContext = aboveContext,
    };

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Segment_EqualsEachStepTimedAlone(string deployment)
    {
        var spec = Spec(deployment);
        var model = new RooflineExecutionTimeModel(spec);
        foreach (int n in new[] { 1, 3, 8, 57, 256, 700 })
        {
            if (n > spec.MaxNumSeqs) continue;
            var first = Decodes(n, 731L * n, n / 3, 1500L * (n / 3));
            var segment = new double[64];
            model.DecodeStepSeconds(first, segment);
            var s = first;
            for (int i = 0; i < segment.Length; i++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(model.StepSeconds(s)), BitConverter.DoubleToInt64Bits(segment[i]));
                s.DecodeContext += n;
                s.DecodeAboveMeanContext += n / 3;
            }
            // Each step reads one more token of KV per sequence: never faster than the one before.
            for (int i = 1; i < segment.Length; i++) Assert.True(segment[i] >= segment[i - 1]);
        }
    }

    [Fact]
    public void CorrectedModel_CorrectsEachStepOfTheSegment()
    {
        var inner = new RooflineExecutionTimeModel(TestSupport.Spec());
        var corrected = new CorrectedExecutionTimeModel(inner, new StepCorrection { KernelScale = 1.37, PrefillStepSeconds = 0.002 });
        var first = Decodes(12, 12 * 900L, 5, 5 * 1400L);
        var segment = new double[20];
        corrected.DecodeStepSeconds(first, segment);
        var alone = new double[20];
        DecodeSteps.OneByOne(corrected, first, alone);
        Assert.Equal(alone, segment);
        // Decode steps carry no prefill: the correction is the kernel scale alone.
        Assert.Equal(1.37 * inner.StepSeconds(first), segment[0]);
    }

    [Fact]
    public void StepsWithPrefill_FallBackToOneCallPerStep()
    {
        var model = new RooflineExecutionTimeModel(TestSupport.Spec());
        var mixed = Decodes(4, 4000, 2, 2500) with { Tokens = 104, Sequences = 5, PrefillTokens = 100, PrefillCount = 1, PrefillAttentionPairs = 5050, PrefillContext = 100 };
        var segment = new double[5];
        model.DecodeStepSeconds(mixed, segment);
        var alone = new double[5];
        DecodeSteps.OneByOne(model, mixed, alone);
        Assert.Equal(alone, segment);
    }
}
