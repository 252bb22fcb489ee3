using TokenSim.Core.Simulation;

namespace TokenSim.Bench.StepLoop;

/// <summary>The workload shapes the step-loop benchmark runs, as <c>simulate</c> settings (llama-2-7b on A100-80G).</summary>
public static class StepLoopScenarios
{
    public static readonly string[] Names = ["decode-heavy", "prefill-heavy", "saturated", "kv-bound", "sarathi"];

    /// <summary>The settings for <paramref name="shape"/>, one of <see cref="Names"/> or a workload file.</summary>
    public static SimulateSettings Settings(string shape, bool exactSteps)
    {
        var s = new SimulateSettings { Model = "llama-2-7b", Hardware = "a100-80g", Replicas = 4, Seed = 42, ExactSteps = exactSteps };
        switch (shape)
        {
            case "decode-heavy": s.Workload = "poisson:rate=8,n=2000"; break;
            case "prefill-heavy": s.Workload = "poisson:rate=8,n=2000,input=4000,output=8"; break;
            case "saturated": s.Workload = "poisson:rate=200,n=4000"; break;
            // Sarathi-Serve as plan's candidates run it: synchronous steps, a 512-token budget.
            case "sarathi":
                s.Workload = "poisson:rate=8,n=2000";
                s.Scheduler = "sarathi";
                break;
            case "kv-bound":
                s.Workload = "poisson:rate=40,n=2000";
                s.KvBlocks = 600;
                break;
            case var path when File.Exists(path): s.Workload = path; break;
            // A workload spec as simulate takes it, on 16 replicas as the million-request target runs it.
            case var spec when spec.Contains(':'):
                s.Workload = spec;
                s.Replicas = 16;
                break;
            default: throw new ArgumentException($"Unknown shape '{shape}'. Known: {string.Join(", ", Names)}.");
        }
        return s;
    }
}
