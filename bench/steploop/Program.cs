using System.Diagnostics;
using BenchmarkDotNet.Running;
using TokenSim.Bench.StepLoop;

// `profile SHAPE [exact]` times one run in-process without BenchmarkDotNet's harness (a quick look while working);
// anything else goes to BenchmarkDotNet (`-- --filter '*'`).
if (args.Length >= 2 && args[0] == "profile")
{
    var settings = StepLoopScenarios.Settings(args[1], args.Length > 2 && args[2] == "exact");
    for (int i = 0; i < 3; i++)
    {
        var sw = Stopwatch.StartNew();
        var (sim, _, _) = settings.Build();
        double build = sw.Elapsed.TotalSeconds;
        // CPU time as well as wall time: on a shared machine the wall time mostly measures the other processes.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        sim.Run();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"{args[1]}: build {build:F3} s, run {sw.Elapsed.TotalSeconds - build:F3} s ({cpu.TotalSeconds:F3} s CPU), {sim.Metrics.Steps:N0} steps ({sim.SkippedSteps:N0} in decode runs, {sim.ComputedSteps:N0} timed by them), {sim.Metrics.Completed:N0} requests, {GC.GetTotalAllocatedBytes() / 1e6:F0} MB allocated so far");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(StepLoopBenchmarks).Assembly).Run(args);
