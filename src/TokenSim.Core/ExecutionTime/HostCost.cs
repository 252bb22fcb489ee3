using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// The host's side of a step, by CUDA-graph regime, and whether the GPU waits for it. Measured operator tables time
/// kernels alone (LLMServingSim profiles with <c>enforce_eager</c>, CUDA events around each kernel), so the launches
/// are charged here:
/// <list type="bullet">
/// <item><see cref="GraphRegime.FullGraph"/>: one graph replay, then the LM head and the sampler outside it;</item>
/// <item><see cref="GraphRegime.Piecewise"/>: one replay per piece (layers + 1), each layer's attention launched
/// eagerly between pieces (the KV-cache write and the attention kernel: <c>FlashAttentionImpl.forward</c>), then the
/// LM head and the sampler;</item>
/// <item><see cref="GraphRegime.Eager"/>: every kernel of the step, each layer's KV-cache write included.</item>
/// </list>
/// Each launch costs <see cref="DefaultLaunchSeconds"/>. With async scheduling (vLLM 0.19's default) the host
/// prepares and launches step N+1 while step N runs on the GPU (<c>EngineCore.step_with_batch_queue</c>), so launches
/// show only where they take longer than the GPU work; without it they add to the step.
/// The overlap breaks where building step N+1's attention metadata reads back from the GPU: the host then waits for
/// step N to finish, and the GPU idles while the host finishes the build and launches the first kernel
/// (<see cref="SyncExposedSeconds"/>). Of vLLM 0.19's backends only FlashInfer does this
/// (<see cref="VllmAttentionBackend"/>).
/// </summary>
/// <remarks>
/// What this does not hold: the scheduler's and input preparation's own CPU time (no public measurement of vLLM 0.19
/// sizes it; the roofline's <see cref="RooflineParameters.StepOverheadSeconds"/> stands in for it there). Under async
/// scheduling that time hides under the GPU's step like the launches do, unless a read-back exposes it.
/// </remarks>
public sealed class HostCost(CudaGraphPadding graphs, int layers, int eagerKernelsPerStep, bool asyncScheduling,
    double launchSeconds = HostCost.DefaultLaunchSeconds, AttentionBackend backend = AttentionBackend.FlashAttention, double computeCapability = 0)
{
    /// <summary>
    /// Host time per kernel launch without a graph: 0.58 ms for a 324-launch step of Llama-3.1-8B on RTX PRO 6000,
    /// measured by LLMServingSim's step sweep (vLLM 0.28, graph and no-graph steps alternated in one engine).
    /// </summary>
    public const double DefaultLaunchSeconds = 0.58e-3 / 324;

    /// <summary>
    /// GPU idle time a build that reads back from the GPU exposes under async scheduling: 0.28 ms. vllm-project/vllm#57352
    /// removed FlashInfer's <c>seq_lens</c> read-back and measured +1.4% output tokens/s for Qwen3-8B without
    /// speculative decoding at concurrency 1, on RTX 4090 and on RTX 6000 Ada (both Ada: a read-back on every build).
    /// At concurrency 1 a step is one decode, bound by reading the weights: 8.19 B parameters × 2 bytes over the
    /// RTX 4090's 1,008 GB/s at the 0.8 memory efficiency of <see cref="RooflineParameters.MemoryEfficiency"/> is
    /// 20.3 ms, and 1.4/101.4 of it is 0.28 ms. It lies above the 0.10–0.15 ms that vllm-project/vllm#21854 measured
    /// for FlashInfer's <c>plan()</c> alone, which runs after the read-back.
    /// </summary>
    public const double SyncExposedSeconds = 0.014 / 1.014 * (8.19e9 * 2) / (1.008e12 * 0.8);

    /// <summary>Kernels outside the model's graph at the end of every step: the LM head and the sampler.</summary>
    public const int PerStepEagerKernels = 2;

    /// <summary>Kernels each layer's attention launches between graph pieces: the KV-cache write and the attention.</summary>
    public const int AttentionKernelsPerLayer = 2;

    /// <summary>The host cost of <paramref name="spec"/>'s replica, its attention backend chosen as vLLM 0.19 chooses it.</summary>
    public static HostCost For(ReplicaSpec spec, CudaGraphPadding graphs, int eagerKernelsPerStep) =>
        new(graphs, spec.Model.NumLayers, eagerKernelsPerStep, spec.AsyncScheduling, DefaultLaunchSeconds,
            VllmAttentionBackend.For(spec), spec.Hardware.ComputeCapability);

    public AttentionBackend Backend => backend;

    public GraphRegime Regime(in BatchShape s) =>
        s.Tokens > graphs.MaxCaptureSize ? GraphRegime.Eager : s.PrefillTokens == 0 ? GraphRegime.FullGraph : GraphRegime.Piecewise;

    public int Launches(in BatchShape s) => Regime(s) switch
    {
        GraphRegime.FullGraph => 1 + PerStepEagerKernels,
        GraphRegime.Piecewise => layers + 1 + AttentionKernelsPerLayer * layers + PerStepEagerKernels,
        _ => eagerKernelsPerStep,
    };

    public double Seconds(in BatchShape s) => s.Tokens <= 0 ? 0 : Launches(s) * launchSeconds;

    /// <summary>Whether building this step's attention metadata waits for the GPU to finish the step before it.</summary>
    public bool WaitsForGpu(in BatchShape s) => s.Tokens > 0 && VllmAttentionBackend.WaitsForGpu(backend, computeCapability, s.PrefillTokens > 0);

    /// <summary>The step as the engine sees it: the GPU's work and the host's launches, overlapped or not.</summary>
    public double Combine(double gpuSeconds, in BatchShape s) => Combine(gpuSeconds, Seconds(s), WaitsForGpu(s));

    /// <summary>As <see cref="Combine(double, in BatchShape)"/> with the step's launch time and read-back already known (steps of one shape share them).</summary>
    public double Combine(double gpuSeconds, double hostSeconds, bool waitsForGpu)
    {
        if (!asyncScheduling) return gpuSeconds + hostSeconds; // host and GPU already take turns: a read-back adds no wait
        double overlapped = Math.Max(gpuSeconds, hostSeconds);
        return waitsForGpu ? overlapped + SyncExposedSeconds : overlapped;
    }
}
