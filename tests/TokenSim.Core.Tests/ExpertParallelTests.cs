using System.Text.Json.Nodes;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Core.Validation;

namespace TokenSim.Core.Tests;

/// <summary>MoE expert parallelism and vLLM-style data-parallel ranks that step together.</summary>
public class ExpertParallelTests
{
    private static ReplicaSpec Qwen(int dp, bool ep, string hw = "h100-sxm") =>
        TestSupport.Spec(new EngineConfig { DataParallel = dp, ExpertParallel = ep, MaxModelLen = 32768, AsyncScheduling = false }, "qwen3-30b-a3b", hw);

    [Fact]
    public void DispatchAndCombine_ByHand()
    {
        // vLLM's allgather_reducescatter on DP 2 + EP: ranks of 100 and 40 tokens run no CUDA graph, and
        // all_gatherv/reduce_scatterv move each rank's own rows (get_chunk_sizes_across_dp_rank): 140 rows, not 2 × 100.
        // The all-gather moves each row's 2,048 bf16 values plus 8 top-k weights (fp32) and ids (int32); the
        // reduce-scatter the rows alone. One row per token each way, not per token-expert pair.
        var spec = Qwen(2, true, "rtx-pro-6000");
        var m = spec.Model;
        var nccl = new TokenSim.Core.ExecutionTime.Communication.NcclCostModel(spec.Hardware.IntraNodeLink, spec.Hardware.ComputeCapability, peerToPeer: false);
        var shape = new BatchShape { Tokens = 100, GroupTokens = 140, GroupMaxTokens = 100 };
        double rows = 100 + 40;
        double expected = nccl.Seconds(TokenSim.Core.ExecutionTime.Communication.CollectiveOp.AllGather, rows * (2048 * 2 + 8 * 8), 2)
            + nccl.Seconds(TokenSim.Core.ExecutionTime.Communication.CollectiveOp.ReduceScatter, rows * 2048 * 2, 2);
        Assert.Equal(expected, TokenSim.Core.ExecutionTime.Communication.MoeCollectives.Seconds(nccl, m, 2, shape, graphed: false), 15);
        Assert.Equal(0, TokenSim.Core.ExecutionTime.Communication.MoeCollectives.Seconds(nccl, m, 1, shape, graphed: false));
    }

    [Fact]
    public void DispatchAndCombine_CrossTheNetwork_OnceTheGroupOutgrowsANode()
    {
        // H100 nodes hold 8 GPUs. TP 4 × DP 4 spans 16: a TP rank's DP group (GPUs 4 apart) has two members on each
        // node, so its ring crosses the CX7 NIC (50 GB/s, 10 µs) rather than NVLink, with no peer-to-peer and no
        // single-node measured table. TP 2 × DP 2 stays on one node and times as the TP collectives do.
        var wide = TestSupport.Spec(new EngineConfig { TensorParallel = 4, DataParallel = 4, ExpertParallel = true, MaxModelLen = 4096 }, "qwen3-30b-a3b", "h100-sxm");
        var hw = wide.Hardware;
        var network = new TokenSim.Core.ExecutionTime.Communication.NcclCostModel(hw.InterNode!, hw.ComputeCapability, peerToPeer: false);
        var dpGroup = TokenSim.Core.ExecutionTime.Communication.VllmCollectives.ForDataParallelGroup(wide);
        const double bytes = 4 * 64 * (2048 * 2 + 64);
        var ag = TokenSim.Core.ExecutionTime.Communication.CollectiveOp.AllGather;
        Assert.Equal(network.Seconds(ag, bytes, 4, true), dpGroup.Seconds(ag, bytes, 4, true), 15);

        var narrow = TestSupport.Spec(new EngineConfig { TensorParallel = 2, DataParallel = 2, ExpertParallel = true, MaxModelLen = 4096 }, "qwen3-30b-a3b", "h100-sxm");
        Assert.Equal(TokenSim.Core.ExecutionTime.Communication.VllmCollectives.For(narrow).Seconds(ag, bytes, 2, true),
            TokenSim.Core.ExecutionTime.Communication.VllmCollectives.ForDataParallelGroup(narrow).Seconds(ag, bytes, 2, true), 15);
        Assert.True(dpGroup.Seconds(ag, bytes, 4, true) > TokenSim.Core.ExecutionTime.Communication.VllmCollectives.For(wide).Seconds(ag, bytes, 4, true));
    }

    [Fact]
    public void ExpertParallel_SplitsExpertsOverTheGroup()
    {
        var tp1 = Qwen(1, false, "rtx-pro-6000");
        var ep2 = Qwen(2, true, "rtx-pro-6000");
        Assert.Equal(2, ep2.ExpertParallelSize);
        Assert.Equal(2, ep2.GpusPerReplica);
        var m = tp1.Model;
        long experts = (long)m.NumExperts * 3 * m.HiddenSize * m.ExpertWidth * m.NumLayers * m.DTypeBytes;
        Assert.Equal(experts / 2, tp1.Memory.WeightBytes - ep2.Memory.WeightBytes, 0.001 * experts);
        Assert.Throws<ArgumentException>(() => TestSupport.Spec(new EngineConfig { TensorParallel = 1, DataParallel = 3, ExpertParallel = true, MaxModelLen = 32768 }, "qwen3-30b-a3b", "h100-sxm"));
    }

    [Fact]
    public void DataParallelRanks_OfAnMoeModel_StepTogether_AtTheSlowestRanksPace()
    {
        var spec = Qwen(2, true);
        var sim = new Simulator(new SimulationOptions { Replica = spec, Router = "least-outstanding" });
        Assert.Equal(2, sim.Replicas.Count);
        var a = sim.Submit(new RequestSpec(0, 2000, 20));   // rank 0: a long prefill
        var b = sim.Submit(new RequestSpec(0, 10, 20));     // rank 1: short
        var obs = new RecordingObserver();
        sim.Observer = obs;
        while (sim.Step())
            Assert.Equal(sim.Replicas[0].StepEnd, sim.Replicas[1].StepEnd); // one clock for the group
        Assert.Equal(0, a.Replica);
        Assert.Equal(1, b.Replica);
        // Both first tokens come out of the same (long) first step.
        Assert.Equal(a.FirstTokenTime, b.FirstTokenTime);
        var roof = new RooflineExecutionTimeModel(spec);
        // 2,000 tokens fit no CUDA graph, so the ranks are not padded: the group runs 2,010 tokens and its largest rank 2,000.
        BatchShape Prefill(int n) => new() { Tokens = n, GroupTokens = 2010, GroupMaxTokens = 2000, Sequences = 1, Sampled = 1, PrefillCount = 1, PrefillTokens = n, PrefillAttentionPairs = n * (n + 1) / 2.0, PrefillContext = n };
        // The group's first step lasts as long as its slower rank, each rank's experts serving all 2,010 tokens.
        Assert.Equal(Math.Max(roof.StepSeconds(Prefill(2000)), roof.StepSeconds(Prefill(10))), b.FirstTokenTime, 12);
        Assert.True(b.FirstTokenTime > roof.StepSeconds(Prefill(10) with { GroupTokens = 10 }), "the short rank waited for the long one");
    }

    [Fact]
    public void DenseModel_DataParallelRanks_AreIndependent()
    {
        var spec = TestSupport.Spec(new EngineConfig { DataParallel = 2, AsyncScheduling = false });
        var sim = new Simulator(new SimulationOptions { Replica = spec, Router = "least-outstanding" });
        var a = sim.Submit(new RequestSpec(0, 2000, 5));
        var b = sim.Submit(new RequestSpec(0, 10, 5));
        sim.Run();
        Assert.True(b.FirstTokenTime < a.FirstTokenTime);
    }

    [Fact]
    public void ValidateBench_AcceptsDataAndExpertParallelRuns_AndBalancesTheRanks()
    {
        // A copy of the measured run's folder with the MoE model, data_parallel_size 2 and expert parallelism: the
        // timings are not this model's, so only the mechanics are checked (accepted, both ranks used evenly).
        var dir = Directory.CreateTempSubdirectory("tokensim-dp-").FullName;
        try
        {
            var src = TestSupport.DataFile("runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B");
            foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "meta.json")))!;
            meta["model"] = "Qwen/Qwen3-30B-A3B-Instruct-2507";
            meta["engine_kwargs"]!["model"] = "Qwen/Qwen3-30B-A3B-Instruct-2507";
            meta["engine_kwargs"]!["data_parallel_size"] = 2;
            meta["engine_kwargs"]!["enable_expert_parallel"] = true;
            meta["engine_kwargs"]!["max_model_len"] = 32768;
            File.WriteAllText(Path.Combine(dir, "meta.json"), meta.ToJsonString());
            var v = BenchValidation.Execute(VllmBenchRun.Read(dir), "roofline", null, null);
            Assert.Equal(2, v.Spec.DataParallel);
            Assert.Equal(2, v.Spec.ExpertParallelSize);
            var perRank = v.Pairs.GroupBy(p => p.Simulated.Replica).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal([0, 1], perRank.Keys.Order());
            Assert.InRange(perRank[0], 120, 180);
            Assert.Equal(300, v.Report.Requests);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
