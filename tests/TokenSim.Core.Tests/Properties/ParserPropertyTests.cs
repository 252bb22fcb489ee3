using CsCheck;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests.Properties;

/// <summary>
/// The readers of trace, profile, catalog and scenario files under mutated input: every input either parses or throws a
/// <see cref="FormatException"/> (<see cref="WorkloadFormatException"/>, <see cref="ProfileFormatException"/>) with a
/// one-line message naming the file, never another exception. The inputs are the seed corpus in <c>Corpus/</c>
/// (small heads of the real files in data/) with truncations, byte flips, column drops, huge numbers, NaN and
/// control characters applied.
/// </summary>
public class ParserPropertyTests
{
    /// <summary>A seed: a corpus file, or a folder whose files are mutated one at a time, and the reader to run on it.</summary>
    public sealed record Seed(string Path, Action<string> Read)
    {
        public override string ToString() => Path;
    }

    private static string CorpusDir => System.IO.Path.Combine(TestSupport.RepoRoot, "tests", "TokenSim.Core.Tests", "Corpus");

    public static readonly Seed[] Traces =
    [
        new("traces/vidur.csv", p => TraceReader.ReadFile(p)),
        new("traces/azure.csv", p => TraceReader.ReadFile(p)),
        new("traces/mooncake.jsonl", p => TraceReader.ReadFile(p)),
        new("traces/llmservingsim.jsonl", p => TraceReader.ReadFile(p)),
    ];

    public static readonly Seed[] Profiles =
    [
        new("profiles/mlp.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/attention.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/all_reduce.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/send_recv.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/gemm_perf.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/nccl_perf.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/custom_allreduce_perf.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/context_attention_perf.csv", p => ProfileReader.ReadFile(p)),
        new("profiles/generation_attention_perf.csv", p => ProfileReader.ReadFile(p)),
        // The skew fit (meta.yaml's skew_fit section and tp1/skew_fit.csv) is read when the execution-time model is built.
        new("profiles/llmservingsim", p => { ProfileReader.Read(p); SkewFit.Read(System.IO.Path.Combine(p, "bf16"), 1); }),
        new("profiles/llmservingsim-v0", p => ProfileReader.Read(p)),
        new("profiles/nccl-tests", p => ProfileReader.Read(p)),
    ];

    public static readonly Seed[] Catalogs =
    [
        new("catalog/gpus.yaml", p => HardwareCatalog.ReadFile(p)),
        new("catalog/meta-llama--Llama-2-7b-hf.config.json", p => HuggingFaceConfigReader.ReadFile(p)),
        new("catalog/mistralai--Mixtral-8x7B-v0.1.config.json", p => HuggingFaceConfigReader.ReadFile(p)),
    ];

    /// <summary>Config files Core reads: scenario timelines (--scenario). The CLI's and the server's are fuzzed in their tests.</summary>
    public static readonly Seed[] Configs =
    [
        new("config/scenario-replica-lost.yaml", p => ScenarioReader.ReadFile(p)),
        new("config/scenario-autoscale.yaml", p => ScenarioReader.ReadFile(p)),
    ];

    [Fact]
    public void SeedCorpus_ParsesAsItIs()
    {
        foreach (var seed in Traces.Concat(Profiles).Concat(Catalogs).Concat(Configs)) seed.Read(System.IO.Path.Combine(CorpusDir, seed.Path));
    }

    [Fact]
    public void TraceReaders_MutatedInput_ParseOrFormatError() => Fuzz(Traces, 200);

    [Fact]
    public void ProfileReaders_MutatedInput_ParseOrFormatError() => Fuzz(Profiles, 250);

    [Fact]
    public void CatalogReaders_MutatedInput_ParseOrFormatError() => Fuzz(Catalogs, 150);

    [Fact]
    public void ScenarioReader_MutatedInput_ParseOrFormatError() => Fuzz(Configs, 300);

    private static void Fuzz(Seed[] seeds, int iterations)
    {
        var gen = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, 100], FileMutation.Mutations.Array[1, 4]);
        Property.ForAll(gen, t => CheckOne(seeds[t.Item1], t.Item2, t.Item3), iterations,
            t => $"{seeds[t.Item1].Path} (file pick {t.Item2}): {string.Join("; ", t.Item3.Select(m => m.ToString()))}");
    }

    /// <summary>Copies the seed to a temporary folder, mutates one of its files and reads it: it parses or is a one-line
    /// <see cref="FormatException"/> naming the file.</summary>
    internal static void CheckOne(Seed seed, int filePick, Mutation[] mutations) =>
        FileMutation.CheckOne(System.IO.Path.Combine(CorpusDir, seed.Path), seed.Read, filePick, mutations, typeof(FormatException));
}
