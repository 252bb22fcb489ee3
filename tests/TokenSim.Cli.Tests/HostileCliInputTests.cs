namespace TokenSim.Cli.Tests;

/// <summary>
/// Hostile command lines and files: each is refused before anything runs, with one line naming the flag (or the file),
/// never a stack trace, and nothing the file holds reaches the terminal as a control character.
/// </summary>
public sealed class HostileCliInputTests
{
    private const string Tiny = "burst:n=5,input=16,output=4";

    private static string OneErrorLine(string stderr)
    {
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    [Theory]
    [InlineData("--max-num-seqs", "1073741824", "error: --max-num-seqs must be at most 1,048,576 (got 1,073,741,824).")]
    [InlineData("--max-num-batched-tokens", "2147483647", "error: --max-num-batched-tokens must be at most 16,777,216 (got 2,147,483,647).")]
    [InlineData("--kv-blocks", "2147483647", "error: --kv-blocks must be at most 16,777,216 (got 2,147,483,647).")]
    [InlineData("--replicas", "100000", "error: --replicas must be 1 to 1,024 (got 100,000).")]
    [InlineData("--decode-replicas", "2147483647", "error: --decode-replicas must be 0 to 1,024 (got 2,147,483,647).")]
    [InlineData("--dp", "2147483647", "error: --dp (data_parallel_size) must be 1 to 1,024 (got 2,147,483,647).")]
    [InlineData("--gpu-memory-utilization", "NaN", "error: --gpu-memory-utilization must be in (0, 1] (got NaN).")]
    [InlineData("--swap-space-gib", "1e300", "error: --swap-space-gib must be 0 to 1,048,576 (got 1E+300).")]
    [InlineData("--timeseries-interval", "1e-300", "error: --timeseries-interval must be at least 0.001 s (got 1E-300).")]
    // A price whose cost overflows a double: was run, printed "cost Infinity" and failed writing --json after the run.
    [InlineData("--cost-per-gpu-hour", "1e308", "error: --cost-per-gpu-hour must be a positive price, at most 1,000,000,000 (got 1E+308).")]
    [InlineData("--tp", "abc", "error: --tp: 'abc' is not an integer")]
    [InlineData("--max-num-seqs", "99999999999", "error: --max-num-seqs: '99999999999' is out of range (-2,147,483,648 to 2,147,483,647)")]
    [InlineData("--seed", "-1", "error: --seed: '-1' is not a non-negative integer")]
    [InlineData("--hardware", "x.yaml", "error: --hardware x.yaml: no such file (a GPU YAML file in the schema of data/hardware/gpus.yaml, or a catalog name: ")]
    [InlineData("--model", "./nowhere/config.json", "error: --model ./nowhere/config.json: no such file or folder (a Hugging Face config.json, or a folder holding one).")]
    public void OutOfBoundsNumberOrMissingFile_IsOneLineNamingTheFlag_BeforeAnythingRuns(string flag, string value, string message)
    {
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", Tiny, flag, value);
        Assert.Equal(1, code);
        Assert.StartsWith(message, OneErrorLine(stderr));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void UnwritableJson_IsRefusedBeforeTheRun_NamingTheFlag()
    {
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", Tiny, "--json", "/nonexistent/dir/x.json");
        Assert.Equal(1, code);
        Assert.Equal("error: --json /nonexistent/dir/x.json: the folder /nonexistent/dir does not exist.", OneErrorLine(stderr));
        Assert.Equal("", stdout); // no header, no table: the simulation never ran
    }

    [Fact]
    public void WritableJson_IsStillWritten_AndTheCheckLeavesNoFileOnFailure()
    {
        var json = CliProcess.Temp("json");
        var (code, _, stderr) = CliProcess.Run("simulate", "--workload", Tiny, "--json", json, "--kv-blocks", "2147483647");
        Assert.Equal(1, code);
        Assert.False(File.Exists(json), "a refused run must not leave the file its check created");
        (code, _, stderr) = CliProcess.Run("simulate", "--workload", Tiny, "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("\"requests\"", File.ReadAllText(json));
        File.Delete(json);
    }

    [Fact]
    public void CsvHeaderWithEscapeSequences_IsShownEscaped()
    {
        var path = CliProcess.Temp("csv");
        File.WriteAllText(path, "a\u001b[31mRED\u001b]0;title\u0007,b\n1,2\n");
        var (code, _, stderr) = CliProcess.Run("simulate", "--workload", path);
        Assert.Equal(1, code);
        var line = OneErrorLine(stderr);
        Assert.Contains(@"unrecognised CSV header 'a\x1B[31mRED\x1B]0;title\x07,b'", line);
        Assert.DoesNotContain(stderr, c => char.IsControl(c) && c != '\n');
        File.Delete(path);
    }

    [Fact]
    public void BinaryWorkload_ReachesTheTerminalAsPrintableText()
    {
        var path = CliProcess.Temp("csv");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[100] = (byte)'\n';
        File.WriteAllBytes(path, bytes);
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", path);
        Assert.Equal(1, code);
        OneErrorLine(stderr);
        Assert.DoesNotContain(stderr, c => char.IsControl(c) && c != '\n');
        Assert.DoesNotContain(stdout, c => char.IsControl(c) && c != '\n');
        File.Delete(path);
    }

    [Fact]
    public void HardwareNameWithEscapeSequences_IsShownEscaped_InTheHeaderAndTheEnergyNote()
    {
        // A GPU file of its own (no power: block, so the run prints why it has no energy figures, naming the GPU).
        var path = CliProcess.Temp("yaml");
        File.WriteAllText(path, """
            name: "\e]0;pwned\a\e[2Jmygpu"
            vendor: nvidia
            memory_bytes: 42298834944
            memory_bandwidth_bytes_per_s: 1.555e+12
            flops: {fp32: 1.95e+13, bf16: 3.12e+14, fp16: 3.12e+14}
            intra_node_link: {name: nvlink3, bandwidth_bytes_per_s: 3.0e+11, latency_s: 1.0e-5}
            pcie: {generation: 4, bandwidth_bytes_per_s: 3.2e+10, latency_s: 1.0e-5}
            inter_node: {bandwidth_bytes_per_s: 2.5e+10, latency_s: 1.0e-5}
            gpus_per_node: 8
            """);
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", Tiny, "--model", "llama-3.1-8b", "--hardware", path);
        Assert.True(code == 0, stderr);
        Assert.Contains(@"no energy figures: hardware '\x1B]0;pwned\x07\x1B[2Jmygpu' has no power: block", stdout);
        Assert.Contains(@"× \x1B]0;pwned\x07\x1B[2Jmygpu (TP 1", stdout);
        Assert.DoesNotContain(stdout, c => char.IsControl(c) && c != '\n');
        File.Delete(path);
    }
}
