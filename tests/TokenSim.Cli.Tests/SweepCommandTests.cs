namespace TokenSim.Cli.Tests;

public class SweepCommandTests
{
    [Fact]
    public void Grid_WritesOneRowPerPoint_GoodputAndCost_AndAParetoPlot()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-sweep-").FullName;
        var cfg = Path.Combine(dir, "sweep.yaml");
        File.WriteAllText(cfg, $"""
            base: {"{"}model: llama-2-7b, workload: "poisson:rate=4,n=200,input=100..800,output=20..200"{"}"}
            grid:
              replicas: [1, 2]
              scheduler: [vllm-v1, sarathi, vllm-v0]
            slo: {"{"}ttft_s: 0.5, tpot_s: 0.05{"}"}
            cost_per_gpu_hour: {"{"}a100-80g: 2.0{"}"}
            output: {Path.Combine(dir, "out.csv")}
            """);
        var (code, stdout, stderr) = CliProcess.Run("sweep", "--config", cfg);
        Assert.True(code == 0, stderr);
        Assert.Contains("6 points", stdout);
        var rows = File.ReadAllLines(Path.Combine(dir, "out.csv"));
        Assert.Equal(7, rows.Length);
        var header = rows[0].Split(',');
        int gpus = Array.IndexOf(header, "gpus"), cost = Array.IndexOf(header, "cost_per_hour"), good = Array.IndexOf(header, "goodput_requests_per_s"), att = Array.IndexOf(header, "slo_attainment");
        int power = Array.IndexOf(header, "average_power_w"), peak = Array.IndexOf(header, "peak_power_w"), joules = Array.IndexOf(header, "joules_per_output_token");
        foreach (var row in rows.Skip(1))
        {
            var f = row.Split(',');
            // Per GPU: at least the A100's 78 W static, at most its 400 W limit; the peak no lower than the average.
            double w = double.Parse(f[power], System.Globalization.CultureInfo.InvariantCulture), p = double.Parse(f[peak], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(w, 78, p);
            Assert.InRange(p, w, 400);
            Assert.True(double.Parse(f[joules], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.Equal(2.0 * int.Parse(f[gpus]), double.Parse(f[cost], System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(double.Parse(f[att], System.Globalization.CultureInfo.InvariantCulture), 0, 1);
            Assert.True(double.Parse(f[good], System.Globalization.CultureInfo.InvariantCulture) >= 0);
        }
        Assert.True(new FileInfo(Path.Combine(dir, "out.png")).Length > 5000);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void BadGridValue_FailsBeforeAnySimulation_NamingFileAndLine()
    {
        var cfg = CliProcess.Temp("yaml");
        File.WriteAllText(cfg, "base: {model: llama-2-7b}\ngrid:\n  max_num_seqs: [64, lots]\n");
        var (code, _, stderr) = CliProcess.Run("sweep", "--config", cfg);
        Assert.Equal(1, code);
        Assert.Contains($"{cfg}:3: 'max-num-seqs: lots' must be an integer", stderr);
        File.Delete(cfg);
    }

    [Fact]
    public void RelativeOutputPaths_AreBesideTheConfig_NotInTheWorkingDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-sweep-rel-").FullName;
        var cfg = Path.Combine(dir, "sweep.yaml");
        File.WriteAllText(cfg, """
            base: {model: llama-2-7b, workload: "burst:n=4,input=64,output=4"}
            grid:
              replicas: [1, 2]
            output: results/out.csv
            """);
        Directory.CreateDirectory(Path.Combine(dir, "results"));
        var (code, stdout, stderr) = CliProcess.Run("sweep", "--config", cfg);
        Assert.True(code == 0, stderr);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "results", "out.csv")).Length);
        Assert.True(File.Exists(Path.Combine(dir, "results", "out.png")));
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "results", "out.csv")));
        Assert.Contains(Path.Combine(dir, "results", "out.csv"), stdout);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void OutputInAMissingFolder_IsRefusedBeforeTheRun_NamingTheConfig()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-sweep-bad-").FullName;
        var cfg = Path.Combine(dir, "sweep.yaml");
        File.WriteAllText(cfg, "base: {workload: \"burst:n=4,input=64,output=4\"}\ngrid: {replicas: [1]}\noutput: nowhere/out.csv\n");
        var (code, stdout, stderr) = CliProcess.Run("sweep", "--config", cfg);
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {cfg}: output {Path.Combine(dir, "nowhere", "out.csv")}: the folder", stderr);
        Assert.DoesNotContain("points in", stdout);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void APointThatCannotRun_IsOneLineNamingThePoint_NotAnInternalError()
    {
        // Two points cannot run (no such GPU file): run in parallel, their failures arrive together; one is named.
        var dir = Directory.CreateTempSubdirectory("tokensim-sweep-point-").FullName;
        var cfg = Path.Combine(dir, "sweep.yaml");
        File.WriteAllText(cfg, "base: {model: llama-2-7b, workload: \"burst:n=4,input=64,output=4\"}\ngrid:\n  hardware: [a100-80g, nowhere-a.yaml, nowhere-b.yaml]\n");
        var (code, _, stderr) = CliProcess.Run("sweep", "--config", cfg);
        Assert.Equal(1, code);
        Assert.StartsWith("error: sweep point hardware=nowhere-a.yaml: --hardware nowhere-a.yaml: no such file", stderr);
        Assert.DoesNotContain("internal error", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Directory.Delete(dir, true);
    }
}
