using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests;

public class OpsValidationTests
{
    private static string P(params string[] parts) => TestSupport.DataFile(["profiles", .. parts]);

    /// <summary>Every Vidur compute table and LLMServingSim dense/per-sequence table shipped in data/, per file.</summary>
    public static TheoryData<string> UnderTarget => new()
    {
        P("vidur", "profiling", "compute", "a100", "meta-llama", "Llama-2-7b-hf", "mlp.csv"),
        P("vidur", "profiling", "compute", "h100", "meta-llama", "Llama-2-70b-hf", "mlp.csv"),
        P("vidur", "profiling", "compute", "a40", "codellama", "CodeLlama-34b-Instruct-hf", "mlp.csv"),
        P("vidur", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv"),
        P("vidur", "profiling", "network", "a100_dgx", "all_reduce.csv"),
        P("vidur", "profiling", "network", "a100_dgx", "send_recv.csv"),
        P("llmservingsim", "perf", "RTXPRO6000", "Qwen", "Qwen3-32B", "bf16", "tp1"),
        P("llmservingsim", "v0", "perf_models", "H100", "meta-llama", "Llama-3.1-8B", "tp1"),
    };

    [Theory]
    [MemberData(nameof(UnderTarget))]
    public void LeaveOneOut_MapeIsUnderThreePercent_PerFile_WithNoPointDropped(string path)
    {
        foreach (var profile in ProfileReader.Read(path))
        {
            var tables = OpsValidation.Validate(profile, null);
            for (int i = 0; i < tables.Count; i++)
            {
                Assert.Equal(profile.Tables[i].Interpolator.LeaveOneOut().Count(), tables[i].Interior);
                Assert.True(tables[i].Interior > 0, tables[i].Name);
            }
            foreach (var f in OpsValidation.ByFile(tables))
                Assert.True(f.LooMapePct < 3, $"{f.Name}: LOO MAPE {f.LooMapePct:F2}%");
        }
    }

    [Fact]
    public void Roofline_IsScoredOnEveryPoint_WhereTheGpuIsKnown_AndSaysWhyNotElsewhere()
    {
        var mlp = P("vidur", "profiling", "compute", "a100", "meta-llama", "Llama-2-7b-hf", "mlp.csv");
        var profile = ProfileReader.Read(mlp).Single();
        var results = OpsValidation.Validate(profile, new OperatorRoofline(HardwareCatalog.Resolve("a100-80g"), "a100", null));
        var gemm = results.Single(r => r.Name == "mlp.csv:mlp_up_proj");
        Assert.InRange(gemm.RooflineMapePct!.Value, 1, 50); // a GEMM's roofline is within tens of percent, not exact
        var a30 = ProfileReader.Read(P("vidur", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv")).Single();
        var none = OpsValidation.Validate(a30, new OperatorRoofline(null, "a30", null));
        Assert.All(none, r => Assert.Equal("GPU 'a30' is not in the catalog", r.RooflineNote));
    }
}
