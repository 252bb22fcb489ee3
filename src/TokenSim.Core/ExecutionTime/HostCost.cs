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
/// The scheduler's CPU time per step (<c>Scheduler.schedule</c> and <c>update_from_output</c>, which walk the scheduled
/// requests) is charged at <see cref="SchedulerSecondsPerRequest"/> a scheduled request, beside the launches: under async
/// scheduling it hides under the GPU's step like they do, without it the GPU waits for it. Input preparation's own CPU
/// time has no public measurement and is not held.
/// </remarks>
public sealed class HostCost(CudaGraphPadding graphs, int layers, int eagerKernelsPerStep, bool asyncScheduling,
    double launchSeconds = HostCost.DefaultLaunchSeconds, AttentionBackend backend = AttentionBackend.FlashAttention, double computeCapability = 0,
    double schedulerSecondsPerRequest = HostCost.SchedulerSecondsPerRequest)
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

    /// <summary>
    /// The scheduler's CPU time per scheduled request per step: 12.8 µs. vllm-project/vllm#23914 ran vLLM V1 offline on
    /// A100 (TP 2, external launcher, 512 output tokens a request, ignore_eos) with the scheduler in line and with it
    /// scheduling the next step while the step's sampled tokens are copied back, and measured 1,014/1,025,
    /// 1,853/1,896, 3,048/3,177 and 4,039/4,258 tokens/s at 32, 64, 128 and 256 requests a step. A step of b requests
    /// lasts b / throughput, so the overlap hid 0.34, 0.78, 1.71 and 3.26 ms a step: 10.6–13.3 µs a request, and
    /// 12.8 µs on the least-squares line through zero (the line with an intercept puts it at −0.04 ms, nothing).
    /// </summary>
    public const double SchedulerSecondsPerRequest = 12.8e-6;

    /// <summary>Kernels outside the model's graph at the end of every step: the LM head and the sampler.</summary>
    public const int PerStepEagerKernels = 2;

    /// <summary>Kernels each layer's attention launches between graph pieces: the KV-cache write and the attention.</summary>
    public const int AttentionKernelsPerLayer = 2;

    /// <summary>The host cost of <paramref name="spec"/>'s replica, its attention backend chosen as vLLM 0.19 chooses it.</summary>
    /// <param name="stepOverheadSeconds">
    /// A fixed CPU cost per step the caller already adds (<see cref="RooflineParameters.StepOverheadSeconds"/>); where it
    /// is set it stands for the scheduler's time, which is then not charged a second time here.
    /// </param>
    public static HostCost For(ReplicaSpec spec, CudaGraphPadding graphs, int eagerKernelsPerStep, double stepOverheadSeconds = 0) =>
        new(graphs, spec.Model.NumLayers, eagerKernelsPerStep, spec.AsyncScheduling, DefaultLaunchSeconds,
            VllmAttentionBackend.For(spec), spec.Hardware.ComputeCapability, stepOverheadSeconds > 0 ? 0 : SchedulerSecondsPerRequest);

    public AttentionBackend Backend => backend;

    public GraphRegime Regime(in BatchShape s) =>
        s.Tokens > graphs.MaxCaptureSize ? GraphRegime.Eager : s.PrefillTokens == 0 ? GraphRegime.FullGraph : GraphRegime.Piecewise;

    public int Launches(in BatchShape s) => Regime(s) switch
    {
        GraphRegime.FullGraph => 1 + PerStepEagerKernels,
        GraphRegime.Piecewise => layers + 1 + AttentionKernelsPerLayer * layers + PerStepEagerKernels,
        _ => eagerKernelsPerStep,
    };

    /// <summary>The host's CPU time for the step: its kernel launches and the scheduler's walk over its requests.</summary>
    public double Seconds(in BatchShape s) => s.Tokens <= 0 ? 0 : LaunchSeconds(s) + SchedulerSeconds(s);

    public double LaunchSeconds(in BatchShape s) => s.Tokens <= 0 ? 0 : Launches(s) * launchSeconds;

    public double SchedulerSeconds(in BatchShape s) => s.Tokens <= 0 ? 0 : s.Sequences * schedulerSecondsPerRequest;

    /// <summary>Whether building this step's attention metadata waits for the GPU to finish the step before it.</summary>
    public bool WaitsForGpu(in BatchShape s) => s.Tokens > 0 && VllmAttentionBackend.WaitsForGpu(backend, computeCapability, s.PrefillTokens > 0);

    /// <summary>The step as the engine sees it: the GPU's work and the host's, overlapped or not.</summary>
    public double Combine(double gpuSeconds, in BatchShape s) => Combine(gpuSeconds, Seconds(s), WaitsForGpu(s));

    /// <summary>As <see cref="Combine(double, in BatchShape)"/> with the step's launch time and read-back already known (steps of one shape share them).</summary>
    public double Combine(double gpuSeconds, double hostSeconds, bool waitsForGpu)
    {
        if (!asyncScheduling) return gpuSeconds + hostSeconds; // host and GPU already take turns: a read-back adds no wait
        double overlapped = Math.Max(gpuSeconds, hostSeconds);
        return waitsForGpu ? overlapped + SyncExposedSeconds : overlapped;
    }
}
