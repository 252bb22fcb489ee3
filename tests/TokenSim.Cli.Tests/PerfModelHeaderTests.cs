namespace TokenSim.Cli.Tests;

/// <summary>The run header says where step times come from: the perf model, the operators a profile measured, and the collectives' source.</summary>
public class PerfModelHeaderTests
{
    private static string Data(params string[] parts) => CliProcess.RepoFile(["data", .. parts]);

    [Fact]
    public void VidurProfile_NamesMeasuredAndRooflineOperators_AndTheCollectives()
    {
        var dir = Data("profiles", "vidur", "profiling", "compute", "h100", "meta-llama", "Llama-2-7b-hf");
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--model", "llama-2-7b", "--hardware", "h100-sxm", "--tp", "2",
            "--perf-model", $"profile:{dir}", "--workload", "closed:concurrency=4,n=8,input=100,output=10");
        Assert.True(code == 0, stderr);
        var line = stdout.Split('\n').Single(l => l.StartsWith("perf model: ", StringComparison.Ordinal));
        Assert.Contains("measured: input_layernorm, attn_pre_proj", line);
        Assert.Contains("roofline: final_layernorm, lm_head, attention", line);
        Assert.Contains("collectives: measured:h100-sxm else nccl-model:nvlink4 + vllm-custom-allreduce", line);
    }

    [Fact]
    public void PcieTp2_SaysItsAllReducesGoThroughHostMemory()
    {
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--model", "qwen3-32b", "--hardware", "rtx-pro-6000", "--tp", "2",
            "--workload", "closed:concurrency=2,n=4,input=100,output=10");
        Assert.True(code == 0, stderr);
        Assert.Contains("perf model: roofline; collectives: nccl-model:pcie5/shm", stdout);
    }
}
