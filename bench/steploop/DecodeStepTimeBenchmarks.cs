using BenchmarkDotNet.Attributes;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Bench.StepLoop;

/// <summary>
/// A decode run's step times: a segment of steps of one batch timed one <see cref="IExecutionTimeModel.StepSeconds"/>
/// call at a time, against <see cref="IExecutionTimeModel.DecodeStepSeconds"/>, which computes what the steps share
/// once. Both give the same doubles; the difference is the cost of a step inside a run.
/// </summary>
[MemoryDiagnoser]
public class DecodeStepTimeBenchmarks
{
    /// <summary>Steps in the segment: a run computes up to <c>DecodeRun.MaxRunSteps</c> at a time.</summary>
    [Params(16)]
    public int Steps { get; set; }

    /// <summary>Requests decoding in the batch.</summary>
    [Params(8, 64)]
    public int Sequences { get; set; }

    private IExecutionTimeModel _model = null!;
    private BatchShape _first;
    private double[] _seconds = [];

    [GlobalSetup]
    public void Setup()
    {
        var (sim, _, _) = StepLoopScenarios.Settings("decode-heavy", false).Build();
        _model = sim.ExecutionTimeOf(0);
        int n = Sequences;
        _first = new BatchShape
        {
            Tokens = n, GroupTokens = n, GroupMaxTokens = n, Sequences = n, Sampled = n, DecodeCount = n,
            DecodeContext = 1000L * n, DecodeAboveMean = n / 2, DecodeAboveMeanContext = 1500L * (n / 2),
        };
        _seconds = new double[Steps];
    }

    [Benchmark(Baseline = true)]
    public double OneCallPerStep()
    {
        DecodeSteps.OneByOne(_model, _first, _seconds);
        return _seconds[^1];
    }

    [Benchmark]
    public double OneCallPerSegment()
    {
        _model.DecodeStepSeconds(_first, _seconds);
        return _seconds[^1];
    }
}
