using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>A step costs a fixed time plus a time per token: simple enough to work cases out by hand.</summary>
internal sealed class LinearExecutionTimeModel(double fixedSeconds, double perTokenSeconds) : IExecutionTimeModel
{
    public string Name => "linear";
    public double StepSeconds(in BatchShape shape) => fixedSeconds + perTokenSeconds * shape.Tokens;
}

/// <summary>Records every callback so tests can check per-token invariants.</summary>
internal sealed class RecordingObserver : ISimulationObserver
{
    public readonly Dictionary<long, List<double>> Tokens = [];
    public readonly List<(long Id, double Time)> Preempted = [];
    public readonly List<Request> Finished = [];
    public readonly List<(Request Request, string Reason)> Rejected = [];
    public readonly List<long> Scheduled = [];
    public readonly List<(long Id, int Tokens, double Time)> Chunks = [];

    public void OnPrefillChunk(Request r, int tokens, double now) => Chunks.Add((r.Id, tokens, now));

    public void OnToken(Request r, double now)
    {
        if (!Tokens.TryGetValue(r.Id, out var list)) Tokens[r.Id] = list = [];
        list.Add(now);
        Assert.Equal(list.Count, r.Generated);
    }

    public void OnPreempted(Request r, double now) => Preempted.Add((r.Id, now));
    public void OnFinished(Request r, double now) => Finished.Add(r);
    public void OnRejected(Request r, double now, string reason) => Rejected.Add((r, reason));
    public void OnScheduled(Request r, double now) => Scheduled.Add(r.Id);
}

internal static class TestSupport
{
    public static ReplicaSpec Spec(EngineConfig? cfg = null, string model = "llama-2-7b", string hardware = "a100-80g") =>
        ReplicaSpec.Create(ModelCatalog.Resolve(model), HardwareCatalog.Resolve(hardware), cfg ?? new EngineConfig());

    public static Simulator Linear(EngineConfig cfg, double fixedSeconds = 0.01, double perToken = 0.001, int replicas = 1, ulong seed = 1) =>
        new(new SimulationOptions
        {
            Replica = Spec(cfg), Replicas = replicas, Seed = seed,
            ExecutionTime = _ => new LinearExecutionTimeModel(fixedSeconds, perToken),
        });

    /// <summary>The repository root (holding TokenSim.sln), for tests that read the real files in data/.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TokenSim.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("TokenSim.sln not found above the test binaries.");
        }
    }

    /// <summary>
    /// Twenty requests of growing prompts, 50 ms apart, through one replica stepped by <paramref name="exec"/>:
    /// enough for prefill, decode and mixed steps. Checks every one finished and a step took between 1 ms and 1 s
    /// (a unit slip, µs read as s, fails here).
    /// </summary>
    public static void RunTwenty(ReplicaSpec spec, Func<ReplicaSpec, IExecutionTimeModel> exec)
    {
        var sim = new Simulator(new SimulationOptions { Replica = spec, ExecutionTime = exec });
        for (int i = 0; i < 20; i++) sim.Submit(new RequestSpec(i * 0.05, 100 + 37 * i, 20));
        sim.Run();
        Assert.Equal(20, sim.Metrics.Completed);
        Assert.InRange(sim.Metrics.Tpot.Mean, 1e-3, 1.0);
    }

    public static string DataFile(params string[] parts) => Path.Combine([RepoRoot, "data", .. parts]);
}
