using CsCheck;
using TokenSim.Core.Entities;
using TokenSim.Core.Metrics;
using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests.Properties;

/// <summary>
/// The simulator's invariants over random deployments (model, GPU, TP, scheduler, KV blocks, prefix caching,
/// preemption mode) and
/// small random workloads: every request finishes or is rejected, each finished request got exactly its output
/// length in tokens, KV blocks in use never exceed the cache, and the same seed gives the same report.
/// </summary>
public class SimulatorPropertyTests
{
    /// <summary>One random deployment and workload. <c>Requests</c> are (arrival s, prompt, output, prefix group).</summary>
    public sealed record Case(
        string Model, string Hardware, int Tp, string Scheduler, int KvBlocks, bool PrefixCaching, string Preemption, int Replicas,
        int MaxNumSeqs, int MaxNumBatchedTokens, ulong Seed, (double Arrival, int Prompt, int Output, int Prefix)[] Requests)
    {
        public override string ToString() =>
            $"{Model} on {Replicas}×{Hardware} TP {Tp}, {Scheduler}, {KvBlocks} blocks, prefix caching {PrefixCaching}, preemption {Preemption}, " +
            $"max-num-seqs {MaxNumSeqs}, max-num-batched-tokens {MaxNumBatchedTokens}, seed {Seed}, requests " +
            string.Join(" ", Requests.Select(r => $"({r.Arrival:0.###},{r.Prompt},{r.Output},{r.Prefix})"));
    }

    private const int MaxModelLen = 2048;

    // Names that resolve to distinct schedulers ("vllm" is an alias of "vllm-v1").
    private static readonly string[] Schedulers = ReplicaSchedulers.Registry.Names.Where(n => n != "vllm").ToArray();

    private static readonly Gen<(double, int, int, int)> RequestGen =
        Gen.Select(Gen.Double[0, 5], Gen.Int[1, 2200], Gen.Int[1, 300], Gen.Int[0, 3]);

    private static readonly Gen<Case> CaseGen =
        from model in Gen.OneOf(ModelCatalog.Names.ToArray())
        from hardware in Gen.OneOf(HardwareCatalog.Names.ToArray())
        from tp in Gen.OneOf(1, 2, 4, 8)
        from scheduler in Gen.OneOf(Schedulers)
        // At least one max-length request's worth of blocks (2048 / 16 = 128): half the caches small enough to preempt.
        from kvBlocks in Gen.OneOf(Gen.Int[MaxModelLen / 16 + 1, 400], Gen.Int[401, 3000])
        from prefix in Gen.Bool
        from preemption in Gen.OneOf("recompute", "swap", "swap-lazy")
        from replicas in Gen.Int[1, 3]
        from seqs in Gen.Int[1, 64]
        from batched in Gen.Int[MaxModelLen, 8192]
        from seed in Gen.ULong[0, 1000]
        from requests in RequestGen.Array[1, 40]
        select new Case(model, hardware, tp, scheduler, kvBlocks, prefix, preemption, replicas, seqs, batched, seed, requests);

    /// <summary>Builds the simulator, or null where the deployment is refused (TP not dividing the heads...).</summary>
    private static Simulator? Build(Case c)
    {
        ReplicaSpec spec;
        try
        {
            spec = ReplicaSpec.Create(ModelCatalog.Resolve(c.Model), HardwareCatalog.Resolve(c.Hardware), new EngineConfig
            {
                TensorParallel = c.Tp, Scheduler = c.Scheduler, KvBlocks = c.KvBlocks, EnablePrefixCaching = c.PrefixCaching, Preemption = c.Preemption,
                MaxModelLen = MaxModelLen, MaxNumSeqs = c.MaxNumSeqs, MaxNumBatchedTokens = c.MaxNumBatchedTokens,
            });
        }
        catch (ArgumentException)
        {
            return null;
        }
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = c.Replicas, Seed = c.Seed });
        for (int i = 0; i < c.Requests.Length; i++)
        {
            var (arrival, prompt, output, group) = c.Requests[i];
            // Half the prompts carry token ids: a 64-token prefix shared by their group, then a unique tail.
            int[]? ids = i % 2 == 0 ? null : Enumerable.Range(0, prompt).Select(t => t < 64 ? group * 1000 + t : (i + 1) * 100_000 + t).ToArray();
            sim.Submit(new RequestSpec(arrival, prompt, output, TokenIds: ids));
        }
        return sim;
    }

    [Fact]
    public void RandomDeployments_EveryRequestFinishesOrIsRejected_TokensConserved_BlocksWithinCapacity()
    {
        int built = 0;
        long rejected = 0, preempted = 0;
        Property.ForAll(CaseGen, c =>
        {
            var sim = Build(c);
            if (sim is null) return;
            built++;
            var obs = new RecordingObserver();
            sim.Observer = obs;
            while (sim.Step())
                foreach (var rep in sim.Replicas)
                {
                    Assert.InRange(rep.Kv.FreeBlocks, 0, rep.Kv.TotalBlocks);
                    Assert.InRange(rep.Kv.UsedBlocks, 0, rep.Kv.TotalBlocks);
                    int held = 0;
                    foreach (var r in rep.Running) held += r.BlocksHeld;
                    // Lazy swap parks a preempted request's KV on the GPU until its blocks are needed.
                    for (int i = 0; i < rep.Swapped.Count; i++)
                        if (rep.Swapped[i].SwapResident) held += rep.Swapped[i].BlocksHeld;
                    // Shared prefix blocks count once in the cache but in every holder.
                    Assert.True(rep.Kv.UsedBlocks <= held, $"{rep.Kv.UsedBlocks} blocks in use, running and GPU-resident swapped requests hold {held}");
                }
            Assert.Equal(c.Requests.Length, sim.Metrics.Arrived);
            Assert.Equal(c.Requests.Length, sim.Metrics.Completed + sim.Metrics.Rejected);
            Assert.Equal(sim.Metrics.Completed, obs.Finished.Count);
            Assert.Equal(sim.Metrics.Rejected, obs.Rejected.Count);
            long tokens = 0;
            foreach (var r in obs.Finished)
            {
                Assert.Equal(RequestStatus.Finished, r.Status);
                Assert.Equal(r.OutputTokens, r.Generated);
                Assert.Equal(r.OutputTokens, obs.Tokens[r.Id].Count);
                tokens += r.OutputTokens;
            }
            foreach (var (r, _) in obs.Rejected) Assert.False(obs.Tokens.ContainsKey(r.Id), $"rejected request {r.Id} got tokens");
            Assert.Equal(sim.Metrics.OutputTokens, tokens);
            rejected += sim.Metrics.Rejected;
            preempted += sim.Metrics.Preemptions;
            foreach (var rep in sim.Replicas)
            {
                Assert.Empty(rep.Running);
                Assert.Equal(0, rep.Waiting.Count);
                Assert.Equal(0, rep.Swapped.Count);
                Assert.Equal(0, rep.SwapBlocksUsed);
                Assert.Equal(0, rep.Kv.UsedBlocks);
            }
        }, iterations: 60, print: c => c.ToString());
        Assert.True(built >= 30, $"only {built} of 60 random deployments were valid: the generator needs fixing");
        // The generator reaches the paths that matter: prompts over max_model_len and caches small enough to preempt.
        Assert.True(rejected > 0 && preempted > 0, $"{rejected} rejections and {preempted} preemptions over the run");
    }

    [Fact]
    public void RandomDeployments_SameSeed_SameReport()
    {
        Property.ForAll(CaseGen, c =>
        {
            string? Run()
            {
                var sim = Build(c);
                if (sim is null) return null;
                sim.Run();
                using var ms = new MemoryStream();
                SimulationReport.From(sim, 0).WriteJson(ms);
                return System.Text.Encoding.UTF8.GetString(ms.ToArray());
            }
            Assert.Equal(Run(), Run());
        }, iterations: 25, print: c => c.ToString());
    }
}
