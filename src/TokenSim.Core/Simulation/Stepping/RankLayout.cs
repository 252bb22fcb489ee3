using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Scheduling.Replica;

namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// The engine ranks a deployment runs: each replica is DP ranks of engines and every rank is a
/// <see cref="ReplicaState"/> of its own, the prefill (or only) pool first and the decode pool after it.
/// </summary>
internal sealed record RankLayout(ReplicaState[] Replicas, IReplicaScheduler[] Schedulers, IExecutionTimeModel[] ExecutionTime, int[][] Groups, int EntryRanks)
{
    public static RankLayout Build(SimulationOptions options)
    {
        var spec = options.Replica;
        if (options.Replicas is < 1 or > EngineLimits.MaxReplicas) throw new ArgumentException($"--replicas must be 1 to {EngineLimits.MaxReplicas:N0} (got {options.Replicas:N0}).");
        if (options.DecodeReplicas is < 0 or > EngineLimits.MaxReplicas) throw new ArgumentException($"--decode-replicas must be 0 to {EngineLimits.MaxReplicas:N0} (got {options.DecodeReplicas:N0}).");
        var execFactory = options.ExecutionTime ?? (s => new RooflineExecutionTimeModel(s));
        var exec = execFactory(spec);
        var decodeSpec = options.DecodeReplica ?? spec;
        var decodeExec = ReferenceEquals(decodeSpec, spec) ? exec : execFactory(decodeSpec);
        long ranks = (long)options.Replicas * spec.DataParallel + (long)options.DecodeReplicas * decodeSpec.DataParallel;
        if (ranks > EngineLimits.MaxEngineRanks)
            throw new ArgumentException($"--replicas, --decode-replicas and --dp make {ranks:N0} engine ranks ((replicas + decode replicas) × dp); at most {EngineLimits.MaxEngineRanks:N0}.");
        int prefillRanks = options.Replicas * spec.DataParallel;
        int total = (int)ranks;
        var replicas = new ReplicaState[total];
        var schedulers = new IReplicaScheduler[total];
        var models = new IExecutionTimeModel[total];
        var groups = new int[total][];
        for (int i = 0; i < total; i++)
        {
            bool decode = i >= prefillRanks;
            var s = decode ? decodeSpec : spec;
            var role = !options.Disaggregated ? ReplicaRole.Mixed : decode ? ReplicaRole.Decode : ReplicaRole.Prefill;
            replicas[i] = new ReplicaState(i, s, Memory.KvCacheManagers.For(s), role);
            schedulers[i] = ReplicaSchedulers.Registry.Create(s.Scheduler, s);
            // One model per pool, shared by its ranks (see Simulator._exec for what sharing means for a mutable one).
            models[i] = decode ? decodeExec : exec;
            // MoE DP ranks exchange tokens in every MoE layer, so they step together; dense DP ranks are independent.
            int dp = s.DataParallel, first = decode ? prefillRanks + (i - prefillRanks) / dp * dp : i / dp * dp;
            groups[i] = dp > 1 && s.Model.IsMoe ? Enumerable.Range(first, dp).ToArray() : [i];
        }
        return new RankLayout(replicas, schedulers, models, groups, prefillRanks);
    }
}
