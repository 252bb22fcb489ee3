using BenchmarkDotNet.Attributes;
using TokenSim.Core.Simulation;

namespace TokenSim.Bench.StepLoop;

/// <summary>
/// The simulator's step loop on workload shapes that stress it differently, step by step (<c>ExactSteps</c>) and
/// with runs of decode steps advanced in one go. <see cref="MemoryDiagnoserAttribute"/> reports what a run
/// allocates: requests and their bookkeeping, nothing per step.
/// </summary>
[MemoryDiagnoser]
public class StepLoopBenchmarks
{
    /// <summary>Workloads by shape: Vidur-like decode-heavy load, prefill-heavy, saturated, KV-bound, and Sarathi's synchronous steps.</summary>
    public static IEnumerable<string> Shapes => StepLoopScenarios.Names;

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "decode-heavy";

    [Params(true, false)]
    public bool ExactSteps { get; set; }

    private SimulateSettings _settings = null!;

    [GlobalSetup]
    public void Setup() => _settings = StepLoopScenarios.Settings(Shape, ExactSteps);

    [Benchmark]
    public long Run()
    {
        var (sim, _, _) = _settings.Build();
        sim.Run();
        return sim.Metrics.Steps;
    }
}
