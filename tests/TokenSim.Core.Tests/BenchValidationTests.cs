using TokenSim.Core.Validation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>
/// <c>validate vllm-bench</c> on the measured RTX PRO 6000 / Llama-3.1-8B vLLM 0.19 run (data/runs), with the
/// LLMServingSim operator profile of the same GPU and model. The bounds are the accuracy reached (docs/accuracy.md).
/// </summary>
public class BenchValidationTests
{
    private static readonly string Run = TestSupport.DataFile("runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B");
    private static readonly string Workload = TestSupport.DataFile("traces", "llmservingsim", "sharegpt-llama-3.1-8b-300-sps10.jsonl");
    private static readonly string Profile = "profile:" + TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");

    [Fact]
    public void MeasuredRun_IsRead_WithVllmDefaultsWhereMetaIsSilent()
    {
        var run = VllmBenchRun.Read(Run);
        Assert.Equal("meta-llama/Llama-3.1-8B", run.ModelId);
        Assert.Equal("RTXPRO6000", run.HardwareName);
        Assert.Equal(300, run.Requests.Count);
        Assert.Equal(128, run.Engine.MaxNumSeqs);
        Assert.Equal(2048, run.Engine.MaxNumBatchedTokens);
        Assert.Null(run.Engine.KvBlocks);
        Assert.True(run.PrefixCaching);
        Assert.Equal(16, run.Engine.BlockSize);
        Assert.Equal(0.9, run.Engine.GpuMemoryUtilization);
        Assert.All(run.TimeSeries, t => Assert.Null(t.KvCachePct)); // zero throughout: not recorded
        Assert.Equal(7.097, run.Requests.Average(r => r.Ttft), 3);   // data/README.md: TTFT mean 7.10 s
    }

    [Fact]
    public void ProfileModel_PredictsTheRun_WithinTheReachedBounds()
    {
        var v = BenchValidation.Execute(VllmBenchRun.Read(Run), Profile, Workload, null);
        Assert.InRange(v.Ttft.ErrorPct.Mean, -6, 6);
        Assert.InRange(v.Ttft.ErrorPct.P50, -8, 8);
        Assert.InRange(v.Tpot.ErrorPct.Mean, -2.5, 2.5);
        Assert.InRange(v.Tpot.ErrorPct.P50, -2.5, 2.5);
        Assert.InRange(v.E2e.ErrorPct.Mean, -3.5, 3.5);
        Assert.InRange(v.E2e.ErrorPct.P50, -3.5, 3.5);
        var running = v.Series.Single(s => s.Name == "running");
        Assert.True(running.MeanAbsoluteError < 3, $"running MAE {running.MeanAbsoluteError}");
        Assert.DoesNotContain(v.Series, s => s.Name == "kv_cache_pct");
        // The KV capacity is derived from the GPU's memory, as vLLM does, and reported.
        Assert.False(v.Spec.Memory.BlocksGiven);
        Assert.InRange(v.Spec.NumGpuBlocks, 30_000, 40_000);
    }

    [Fact]
    public void ForcedKvBound_PreemptsAndReadmits_EveryRequestStillFinishes()
    {
        var run = VllmBenchRun.Read(Run);
        var free = BenchValidation.Execute(run, Profile, Workload, null);
        // 3,000 blocks × 16 = 48,000 tokens: far below what 128 running requests of ~1,500 tokens need.
        var bound = BenchValidation.Execute(run, Profile, Workload, 3000);
        Assert.Equal(0, free.Report.Preemptions);
        Assert.True(bound.Report.Preemptions > 0);
        Assert.Equal(300, bound.Report.Requests);
        Assert.Equal(free.Report.OutputTokens, bound.Report.OutputTokens);
        Assert.True(bound.Report.KvUsageMax <= 1.0);
        Assert.True(bound.E2e.Simulated.Mean > free.E2e.Simulated.Mean);
        Assert.True(bound.Series.Single(s => s.Name == "running").SimulatedMean < free.Series.Single(s => s.Name == "running").SimulatedMean);
    }

    [Fact]
    public void CorruptedRun_IsAClearError()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-run-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(Run)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var lines = File.ReadAllLines(Path.Combine(dir, "requests.jsonl"));
            lines[9] = lines[9].Replace("\"first_token_ts\"", "\"first_tok\"");
            File.WriteAllLines(Path.Combine(dir, "requests.jsonl"), lines);
            var e = Assert.Throws<WorkloadFormatException>(() => VllmBenchRun.Read(dir));
            Assert.Equal(10, e.Line);
            Assert.Equal("first_token_ts", e.Field);

            File.WriteAllText(Path.Combine(dir, "meta.json"), "{\"model\": \"meta-llama/Llama-3.1-8B\"}");
            var m = Assert.Throws<FormatException>(() => VllmBenchRun.Read(dir));
            Assert.Contains("engine_kwargs", m.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void WrongWorkloadFile_IsRefused()
    {
        var other = TestSupport.DataFile("traces", "mooncake", "conversation_trace.jsonl");
        var e = Assert.Throws<ArgumentException>(() => BenchValidation.Execute(VllmBenchRun.Read(Run), Profile, other, null));
        Assert.Contains("not the same workload", e.Message + " ");
    }
}
