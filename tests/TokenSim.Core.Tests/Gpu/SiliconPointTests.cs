using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>How the silicon file's parallelism and batch columns map onto the engine TokenSim simulates.</summary>
public class SiliconPointTests
{
    private const string Header = "system,backend,backend_version,model_path,precision,mode,isl,osl,batch_size,tp_size,pp_size,attention_dp_size,moe_tp_size,moe_ep_size,silicon_ttft_ms,silicon_tpot_ms,silicon_data_source";

    [Fact]
    public void BatchSize_IsPerAttentionDpRank_SoTheClientsAreItTimesTheRanks()
    {
        // The file's own record: MiniMax-M2.5 on B200, batch_size 16 at attention_dp_size 2 ran silicon_concurrency=32.
        string path = Path.Combine(Path.GetTempPath(), $"silicon-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path,
        [
            Header,
            "b200_sxm,vllm,0.19.0,MiniMaxAI/MiniMax-M2.5,fp8,agg,1024,1024,16,2,1,2,1,4,132.3,18.2,silicon_concurrency=32",
            "b200_sxm,vllm,0.19.0,MiniMaxAI/MiniMax-M2.5,fp8,agg,1024,1024,16,2,1,,,,120.0,13.4,silicon_concurrency=16",
        ]);
        try
        {
            var points = SiliconCheck.Read(path);
            Assert.Equal(32, points[0].Concurrency);
            Assert.Equal(16, points[1].Concurrency);
            var spec = points[0].Spec(out string? why);
            Assert.Null(why);
            Assert.Equal(2, spec!.DataParallel);
            Assert.Equal(4, spec.ExpertParallelSize);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void QuotedCells_AreOneField_AndABadCellNamesItsLine()
    {
        // The file goes through the one CSV reader: a quoted data-source note holding commas is one cell, and a
        // bad number after a blank line is reported at the file's own line (4), not the row's index.
        string path = Path.Combine(Path.GetTempPath(), $"silicon-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path,
        [
            Header,
            "h100_sxm,vllm,0.19.0,Qwen/Qwen3-32B,fp8,agg,1024,128,8,2,1,1,,,80.5,12.25,\"silicon_concurrency=8, note, with commas\"",
            "",
            "h100_sxm,vllm,0.19.0,Qwen/Qwen3-32B,fp8,agg,1024,128,x,2,1,1,,,80.5,12.25,",
        ]);
        try
        {
            var e = Assert.Throws<FormatException>(() => SiliconCheck.Read(path));
            Assert.Equal($"{path}: line 4: batch_size 'x' is not a positive integer.", e.Message);
            File.WriteAllLines(path, File.ReadAllLines(path).Take(2));
            var p = Assert.Single(SiliconCheck.Read(path));
            Assert.Equal((2, 8, 12.25), (p.Line, p.Concurrency, p.TpotMs));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EveryDataParallelPoint_RecordsClientsAsBatchTimesRanks()
    {
        // The mapping above holds on the whole file: where silicon_data_source names the concurrency, it is
        // Concurrency as read (batch_size × attention_dp_size), on DP points and on the others alike.
        var points = SiliconCheck.Read(Path.Combine(TestSupport.RepoRoot, SiliconCheck.DefaultFile));
        var lines = File.ReadAllLines(Path.Combine(TestSupport.RepoRoot, SiliconCheck.DefaultFile));
        int checkedDp = 0;
        foreach (var p in points)
        {
            var m = System.Text.RegularExpressions.Regex.Match(lines[p.Line - 1], @"silicon_concurrency=(\d+)");
            if (!m.Success || p.Concurrency == 0) continue;
            Assert.Equal(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), p.Concurrency);
            if ((p.AttentionDp ?? 1) > 1) checkedDp++;
        }
        Assert.Equal(97, checkedDp);
    }
}
