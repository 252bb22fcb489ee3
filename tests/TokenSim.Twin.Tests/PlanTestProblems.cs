using TokenSim.Planning;

namespace TokenSim.Twin.Tests;

/// <summary>Small plans the planning tests share: a grid a brute force can cover in seconds.</summary>
internal static class PlanTestProblems
{
    public const string Workload = "poisson:rate=12,n=600,lengths=azure-conv";

    public static readonly KeyValuePair<string, string>[] BaseOptions =
    [
        new("model", "llama-3.1-8b"), new("max-model-len", "8192"), new("seed", "11"),
    ];

    /// <summary>Llama-3.1-8B, 600 Poisson requests at 12 req/s; A100-80G or L40S, TP 1, 1 to 6 replicas, two schedulers.</summary>
    public static PlanProblem Small(Slo? slo = null, bool exhaustive = false) => new()
    {
        BaseOptions = BaseOptions,
        Traffic = Traffic.FromWorkload(Workload, 8192, 11),
        Slo = slo ?? new Slo { Percentile = 0.9, TtftSeconds = 0.25, TpotSeconds = 0.03 },
        Candidates = new CandidateSpace
        {
            Hardware = ["a100-80g", "l40s"], Tp = [1], Scheduler = ["vllm-v1", "sarathi"], MinReplicas = 1, MaxReplicas = 6,
            CostPerGpuHour = new Dictionary<string, double> { ["a100-80g"] = 1.8, ["l40s"] = 1.0 },
        },
        Exhaustive = exhaustive,
    };
}
