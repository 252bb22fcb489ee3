namespace TokenSim.Cli.Tests;

/// <summary>The header of a run counts GPUs (TP × PP × DP per replica, times replicas) and names both pools of a P/D deployment.</summary>
public sealed class DeploymentHeaderTests
{
    [Theory]
    [InlineData(new[] { "--model", "mixtral-8x7b", "--hardware", "h100-sxm", "--tp", "2", "--dp", "2", "--enable-expert-parallel" },
        "mixtral-8x7b on 4 × h100-sxm (TP 2, PP 1, DP 2, EP 4), scheduler")]
    [InlineData(new[] { "--replicas", "3", "--tp", "2" }, "llama-2-7b on 6 × a100-80g (3 replicas of TP 2, PP 1), scheduler")]
    [InlineData(new[] { "--replicas", "2", "--decode-replicas", "2", "--decode-tp", "2", "--decode-hardware", "h100-sxm" },
        "llama-2-7b on 2 × a100-80g (2 prefill replicas of TP 1, PP 1) + 4 × h100-sxm (2 decode replicas of TP 2, PP 1), scheduler")]
    [InlineData(new[] { "--decode-replicas", "1" }, "llama-2-7b on 1 × a100-80g (1 prefill replica of TP 1, PP 1) + 1 × a100-80g (1 decode replica of TP 1, PP 1), scheduler")]
    public void Header_CountsEveryGpu(string[] flags, string expected)
    {
        var (code, stdout, stderr) = CliProcess.Run(["simulate", "--workload", "burst:n=4,input=64,output=4", .. flags]);
        Assert.True(code == 0, stderr);
        Assert.StartsWith(expected, stdout);
    }
}
