using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests.Properties;

/// <summary>The inputs <see cref="ParserPropertyTests"/> found that threw something other than a format error, kept as cases.</summary>
public class FuzzRegressionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokensim-fuzz-case-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void VidurTable_ColumnNamedTwice_IsAFormatErrorNamingTheColumn()
    {
        // all_reduce.csv with its first header cell emptied: two unnamed columns (was ArgumentException from ToDictionary).
        var path = Write("all_reduce.csv",
            ",,time_stats.all_reduce.max,time_stats.all_reduce.mean,time_stats.all_reduce.median,time_stats.all_reduce.std,rank,num_workers,size,collective,devices_per_node,max_devices_per_node\n" +
            "0,0.031,0.077,0.050,0.043,0.019,0,2,2048,all_reduce,1,8\n");
        var e = Assert.Throws<WorkloadFormatException>(() => ProfileReader.ReadFile(path));
        Assert.Equal($"{path}:1: field '': appears twice in the header", e.Message);
    }

    [Fact]
    public void VidurTable_QuotedCellWithAComma_IsOneCell_AndAShortRowNamesItsLine()
    {
        // A quoted comma no longer splits a cell; the short row is on line 5, after a quoted cell that spans lines 3 and 4.
        var path = Write("all_reduce.csv",
            "time_stats.all_reduce.median,rank,num_workers,size,collective,devices_per_node\n" +
            "0.05,0,2,2048,\"all_reduce, ring\",1\n" +
            "0.05,0,2,4096,\"all_reduce\n(nccl)\",1\n" +
            "0.05,0,2\n");
        Assert.Equal("all_reduce, ring", CsvTable.Read(Write("one.csv", "a,b\n1,\"all_reduce, ring\"\n")).Rows[0].Cells[1]);
        var e = Assert.Throws<WorkloadFormatException>(() => CsvTable.Read(path));
        Assert.Equal($"{path}:5: field 'size': missing (the row has 3 columns, the header 6)", e.Message);
    }

    [Fact]
    public void HardwareYaml_LoneCarriageReturnInFlowMapping_IsAFormatErrorNamingTheFile()
    {
        // YamlDotNet's scanner threw InvalidOperationException here.
        var path = Write("gpus.yaml", "gpus:\n  - {name: a10\rx, memory_bytes: 1}\n");
        var e = Assert.Throws<FormatException>(() => HardwareCatalog.ReadFile(path));
        Assert.StartsWith($"{path}: not valid YAML (", e.Message);
    }

    [Fact]
    public void NcclTestsMeta_LoneCarriageReturnInFlowMapping_IsAFormatErrorNamingTheFile()
    {
        var meta = Write("nccl/meta.yaml", "gpu: x\ncompute_capability: 7.5\nlink: {name: pcie3, bandw\ridth_bytes_per_s: 1.6e+10}\npeer_to_peer: false\n");
        Write("nccl/all_reduce_perf.txt", "     8192  2048  float  sum  -1  30.0  0.27  0.27  0  29.9  0.27  0.27  0\n");
        var e = Assert.Throws<ProfileFormatException>(() => ProfileReader.Read(Path.GetDirectoryName(meta)!));
        Assert.StartsWith($"{meta}: not valid YAML (", e.Message);
    }

    [Fact]
    public void LlmServingSimMeta_LoneCarriageReturnInFlowMapping_IsAFormatErrorNamingTheFile()
    {
        // The same YamlDotNet failure through the skew fit's meta.yaml (the corpus profile with its meta.yaml broken).
        var corpus = Path.Combine(TestSupport.RepoRoot, "tests", "TokenSim.Core.Tests", "Corpus", "profiles", "llmservingsim", "bf16");
        foreach (var f in Directory.EnumerateFiles(corpus, "*.csv", SearchOption.AllDirectories))
            Write(Path.Combine("bf16", Path.GetRelativePath(corpus, f)), File.ReadAllText(f));
        var meta = Write("bf16/meta.yaml", "skew_fit: {enabled: tr\rue}\n");
        var e = Assert.Throws<ProfileFormatException>(() => SkewFit.Read(Path.Combine(_dir, "bf16"), tp: 1));
        Assert.StartsWith($"{meta}: not valid YAML (", e.Message);
    }

    [Fact]
    public void LlmServingSimMeta_StrayColonKey_IsAFormatErrorNamingTheFile()
    {
        // YamlDotNet threw ArgumentException ("The current event is of an unsupported type") on the corpus meta.yaml
        // with a line's indentation turned into an empty key.
        var corpus = Path.Combine(TestSupport.RepoRoot, "tests", "TokenSim.Core.Tests", "Corpus", "profiles", "llmservingsim", "bf16");
        foreach (var f in Directory.EnumerateFiles(corpus, "*.csv", SearchOption.AllDirectories))
            Write(Path.Combine("bf16", Path.GetRelativePath(corpus, f)), File.ReadAllText(f));
        var text = File.ReadAllText(Path.Combine(corpus, "meta.yaml"));
        Assert.Contains("\n    num_hidden_layers: 1", text);
        var meta = Write("bf16/meta.yaml", text.Replace("\n    num_hidden_layers: 1", "\n   : num_hidden_layers: 1"));
        var e = Assert.Throws<ProfileFormatException>(() => SkewFit.Read(Path.Combine(_dir, "bf16"), tp: 1));
        // Read through YamlRecords, YamlDotNet's parser names the line (the node model had thrown the ArgumentException first).
        Assert.Equal($"{meta}: not valid YAML at line 25: While parsing a block mapping, did not find expected key.", e.Message);
    }

    [Fact]
    public void ModelConfig_InvalidUtf8InTheDtype_IsAFormatErrorNamingTheField()
    {
        // JsonDocument checks UTF-8 only when a string is read: GetString threw InvalidOperationException.
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllBytes(path, [.. "{\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"torch_dtype\": \"bf"u8, 0xEC, .. "\"}"u8]);
        var e = Assert.Throws<FormatException>(() => HuggingFaceConfigReader.ReadFile(path));
        Assert.StartsWith($"{path}: field 'torch_dtype' is not valid UTF-8 (", e.Message);
    }

    [Fact]
    public void ModelConfig_BadLiteralBeforeMoreLines_IsAOneLineFormatError()
    {
        // System.Text.Json's message quoted the rest of the file, line breaks and all.
        var path = Write("config.json", "{\n  \"tie_word_embeddings\": tr\"ue,\n  \"use_cache\": true,\n  \"vocab_size\": 32000\n}\n");
        var e = Assert.Throws<FormatException>(() => HuggingFaceConfigReader.ReadFile(path));
        Assert.StartsWith($"{path}: line 2: not valid JSON: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
