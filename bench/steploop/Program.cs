using TokenSim.Core.Simulation;
using System.Diagnostics;
using BenchmarkDotNet.Running;
using TokenSim.Bench.StepLoop;

// `profile SHAPE [exact|skip] [RUNS]` times RUNS (3) runs in-process without BenchmarkDotNet's harness (a quick look while working);
// anything else goes to BenchmarkDotNet (`-- --filter '*'`).
if (args.Length >= 2 && args[0] == "profile")
{
    var settings = StepLoopScenarios.Settings(args[1], args.Length > 2 && args[2] == "exact");
    int runs = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3;
    for (int i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        var (sim, _, _) = settings.Build();
        double build = sw.Elapsed.TotalSeconds;
        // CPU time as well as wall time: on a shared machine the wall time mostly measures the other processes.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        sim.Run();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"{args[1]}: build {build:F3} s, run {sw.Elapsed.TotalSeconds - build:F3} s ({cpu.TotalSeconds:F3} s CPU), {sim.Metrics.Steps:N0} steps ({sim.SkippedSteps:N0} in decode runs, {sim.ComputedSteps:N0} timed by {sim.ComputedRuns:N0} runs), mean batch {sim.Metrics.BatchSize.Mean:F1}, {sim.Metrics.Completed:N0} requests, {GC.GetTotalAllocatedBytes() / 1e6:F0} MB allocated so far");
    }
    return;
}
// `stepcost`: what one decode step's time costs the roofline, the floor of a step inside a decode run.
if (args.Length >= 1 && args[0] == "stepcost")
{
    var (sim, _, _) = StepLoopScenarios.Settings("decode-heavy", false).Build();
    var exec = sim.ExecutionTimeOf(0);
    var shape = new BatchShape { Tokens = 6, GroupTokens = 6, GroupMaxTokens = 6, Sequences = 6, Sampled = 6, DecodeCount = 6, DecodeContext = 6000, DecodeAboveMean = 3, DecodeAboveMeanContext = 4000 };
    for (int round = 0; round < 3; round++)
    {
        double sum = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        const int calls = 4_000_000;
        for (int i = 0; i < calls; i++)
        {
            shape.DecodeContext = 6000 + 6 * (i & 1023);
            sum += exec.StepSeconds(shape);
        }
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"{exec.Name}: {cpu.TotalMilliseconds * 1e6 / calls:F1} ns of CPU per decode step time ({sum:G3})");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(StepLoopBenchmarks).Assembly).Run(args);
