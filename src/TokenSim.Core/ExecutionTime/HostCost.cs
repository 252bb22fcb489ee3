using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// The host's kernel launches in a step, by CUDA-graph regime, and whether the GPU waits for them. Measured operator
/// tables time kernels alone (LLMServingSim profiles with <c>enforce_eager</c>, CUDA events around each kernel), so the
/// launches are charged here:
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
/// </summary>
/// <remarks>
/// What this does not hold: the scheduler's and input preparation's own CPU time (no public measurement of vLLM 0.19
/// sizes it; the roofline's <see cref="RooflineParameters.StepOverheadSeconds"/> stands in for it there), and a
/// blocking device-to-host copy that would stop the overlap (FlashInfer's, vllm-project/vllm#57352; vLLM 0.19 picks
/// FlashAttention on compute capability 8.x, 9.0 and 12.0, whose metadata builder copies without a sync).
/// </remarks>
public sealed class HostCost(CudaGraphPadding graphs, int layers, int eagerKernelsPerStep, bool asyncScheduling, double launchSeconds = HostCost.DefaultLaunchSeconds)
{
    /// <summary>
    /// Host time per kernel launch without a graph: 0.58 ms for a 324-launch step of Llama-3.1-8B on RTX PRO 6000,
    /// measured by LLMServingSim's step sweep (vLLM 0.28, graph and no-graph steps alternated in one engine).
    /// </summary>
    public const double DefaultLaunchSeconds = 0.58e-3 / 324;

    /// <summary>Kernels outside the model's graph at the end of every step: the LM head and the sampler.</summary>
    public const int PerStepEagerKernels = 2;

    /// <summary>Kernels each layer's attention launches between graph pieces: the KV-cache write and the attention.</summary>
    public const int AttentionKernelsPerLayer = 2;

    public GraphRegime Regime(in BatchShape s) =>
        s.Tokens > graphs.MaxCaptureSize ? GraphRegime.Eager : s.PrefillTokens == 0 ? GraphRegime.FullGraph : GraphRegime.Piecewise;

    public int Launches(in BatchShape s) => Regime(s) switch
    {
        GraphRegime.FullGraph => 1 + PerStepEagerKernels,
        GraphRegime.Piecewise => layers + 1 + AttentionKernelsPerLayer * layers + PerStepEagerKernels,
        _ => eagerKernelsPerStep,
    };

    public double Seconds(in BatchShape s) => s.Tokens <= 0 ? 0 : Launches(s) * launchSeconds;

    /// <summary>The step as the engine sees it: the GPU's work and the host's launches, overlapped or not.</summary>
    public double Combine(double gpuSeconds, in BatchShape s)
    {
        double host = Seconds(s);
        return asyncScheduling ? Math.Max(gpuSeconds, host) : gpuSeconds + host;
    }
}
