using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests.Properties;

/// <summary>
/// The readers of trace, profile and catalog files under mutated input: every input either parses or throws a
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

    public enum MutationKind { Truncate, FlipByte, DropColumn, ReplaceNumber, InsertControl, DropLine, DuplicateLine, EmptyCell }

    /// <summary>One mutation; <c>At</c> in [0, 1) picks where, <c>Pick</c> picks which replacement.</summary>
    public sealed record Mutation(MutationKind Kind, double At, int Pick);

    private static readonly string[] Numbers =
        ["1e400", "-1e400", "NaN", "-NaN", "Infinity", "-1", "0", "-0", "99999999999999999999", "2147483648", "-2147483649", "9223372036854775808", "1e-400", "0x10", "1,5", "", " "];

    private static readonly string[] Controls = ["\0", "\x01", "\x1b", "\r", "\n", "\t", "\"", ",", "\u2028", "\uFEFF", "\uFFFD", "{", "]", ":"];

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

    // Positions spread evenly over the file (CsCheck's Gen.Double favours values near zero).
    internal static readonly Gen<Mutation> MutationGen =
        Gen.Select(Gen.Enum<MutationKind>(), Gen.Int[0, 9999], Gen.Int[0, 1000], (k, at, pick) => new Mutation(k, at / 10_000.0, pick));

    [Fact]
    public void SeedCorpus_ParsesAsItIs()
    {
        foreach (var seed in Traces.Concat(Profiles).Concat(Catalogs)) seed.Read(System.IO.Path.Combine(CorpusDir, seed.Path));
    }

    [Fact]
    public void TraceReaders_MutatedInput_ParseOrFormatError() => Fuzz(Traces, 200);

    [Fact]
    public void ProfileReaders_MutatedInput_ParseOrFormatError() => Fuzz(Profiles, 250);

    [Fact]
    public void CatalogReaders_MutatedInput_ParseOrFormatError() => Fuzz(Catalogs, 150);

    private static void Fuzz(Seed[] seeds, int iterations)
    {
        var gen = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, 100], MutationGen.Array[1, 4]);
        Property.ForAll(gen, t => CheckOne(seeds[t.Item1], t.Item2, t.Item3), iterations,
            t => $"{seeds[t.Item1].Path} (file pick {t.Item2}): {string.Join("; ", t.Item3.Select(m => m.ToString()))}");
    }

    /// <summary>Copies the seed to a temporary folder, mutates one of its files and reads it.</summary>
    internal static void CheckOne(Seed seed, int filePick, Mutation[] mutations)
    {
        var root = Directory.CreateTempSubdirectory("tokensim-fuzz-").FullName;
        try
        {
            var source = System.IO.Path.Combine(CorpusDir, seed.Path);
            string target = System.IO.Path.Combine(root, System.IO.Path.GetFileName(seed.Path));
            string victim;
            if (Directory.Exists(source))
            {
                var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
                foreach (var f in files)
                {
                    var dest = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, f));
                    Directory.CreateDirectory(System.IO.Path.GetDirectoryName(dest)!);
                    File.Copy(f, dest);
                }
                victim = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, files[filePick % files.Length]));
            }
            else
            {
                File.Copy(source, target);
                victim = target;
            }
            var bytes = File.ReadAllBytes(victim);
            foreach (var m in mutations) bytes = Apply(bytes, m);
            File.WriteAllBytes(victim, bytes);
            try
            {
                seed.Read(target);
            }
            catch (FormatException e)
            {
                Assert.True(e.Message.Contains(root, StringComparison.Ordinal), $"the message does not name the file: {e.Message}");
                Assert.False(e.Message.Contains('\n') || e.Message.Contains('\r'), $"the message is not one line: {e.Message}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    internal static byte[] Apply(byte[] data, Mutation m)
    {
        int At(int length) => Math.Min(length, (int)(m.At * (length + 1)));
        switch (m.Kind)
        {
            case MutationKind.Truncate:
                return data[..At(data.Length)];
            case MutationKind.FlipByte:
                if (data.Length == 0) return data;
                var copy = (byte[])data.Clone();
                copy[Math.Min(data.Length - 1, At(data.Length))] ^= (byte)(1 << (m.Pick % 8));
                return copy;
        }
        var text = Encoding.UTF8.GetString(data);
        var lines = text.Split('\n').ToList();
        switch (m.Kind)
        {
            case MutationKind.DropColumn:
            {
                // The same column from every line: a table written without one of its fields.
                for (int i = 0; i < lines.Count; i++)
                {
                    var cells = lines[i].Split(',').ToList();
                    if (cells.Count > 1) cells.RemoveAt(m.Pick % cells.Count);
                    lines[i] = string.Join(",", cells);
                }
                break;
            }
            case MutationKind.EmptyCell:
            {
                int i = Math.Min(lines.Count - 1, At(lines.Count));
                var cells = lines[i].Split(',');
                cells[m.Pick % cells.Length] = "";
                lines[i] = string.Join(",", cells);
                break;
            }
            case MutationKind.DropLine:
                if (lines.Count > 0) lines.RemoveAt(Math.Min(lines.Count - 1, At(lines.Count)));
                break;
            case MutationKind.DuplicateLine:
                if (lines.Count > 0) { int i = Math.Min(lines.Count - 1, At(lines.Count)); lines.Insert(i, lines[i]); }
                break;
            case MutationKind.ReplaceNumber:
            {
                var matches = Regex.Matches(text, @"-?\d+(\.\d+)?([eE][+-]?\d+)?");
                if (matches.Count == 0) return data;
                var match = matches[Math.Min(matches.Count - 1, At(matches.Count))];
                return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, match.Index), Numbers[m.Pick % Numbers.Length], text.AsSpan(match.Index + match.Length)));
            }
            case MutationKind.InsertControl:
            {
                int at = At(text.Length);
                return Encoding.UTF8.GetBytes(text.Insert(at, Controls[m.Pick % Controls.Length]));
            }
        }
        return Encoding.UTF8.GetBytes(string.Join("\n", lines));
    }
}
