using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// <c>--perf-model gpu</c>: one engine step from the GPU's microarchitecture, kernel by kernel as vLLM launches them.
/// Per layer: QKV, rotary, KV-cache write, attention (<see cref="AttentionModel"/>), O, two fused add+RMSNorms,
/// gate/up, SiLU-and-mul, down (MoE: router and the grouped expert GEMMs), and two TP all-reduces; per step:
/// embedding, final norm, LM head over one row per scheduled request, the sampler. Collectives come from vLLM's path
/// (<see cref="VllmCollectives"/>), host launches from <see cref="HostCost"/>, as in the profile model. Each kernel
/// carries its own launch floor, so no separate per-kernel gap or per-step overhead is added.
/// </summary>
public sealed class GpuExecutionTimeModel : IExecutionTimeModel
{
    private readonly ModelSpec _m;
    private readonly GpuKernels _k;
    private readonly int _tp, _pp, _ep, _dp;
    private readonly ICollectiveModel _comm;
    /// <summary>The DP group's collectives (MoE dispatch and combine), which may span nodes where TP does not.</summary>
    private readonly ICollectiveModel _dpComm;
    private readonly CudaGraphPadding _graphs;
    private readonly HostCost _host;
    private readonly double[] _denseByTokens;
    private readonly double _kvBytes;
    private readonly int _actBytes;

    public GpuExecutionTimeModel(ReplicaSpec spec, GpuModelParameters? parameters = null, ICollectiveModel? communication = null)
    {
        _m = spec.Model;
        Parameters = parameters ?? new GpuModelParameters();
        _k = new GpuKernels(spec.Hardware, _m.DType, Parameters, spec.KvCacheDType);
        _kvBytes = DTypes.Bytes(spec.KvCacheDType);
        // Activations stay 16-bit whatever the weights: a quantised checkpoint runs with torch_dtype bfloat16, and its
        // linear layers quantise their input inside the layer. Norms, rotary, residuals and all-reduces move 2 bytes.
        _actBytes = Math.Max(2, _m.DTypeBytes);
        _tp = spec.TensorParallel;
        _pp = spec.PipelineParallel;
        _ep = spec.ExpertParallelSize;
        _dp = spec.DataParallel;
        _comm = communication ?? VllmCollectives.For(spec);
        _dpComm = communication ?? (spec.DataParallel > 1 ? VllmCollectives.ForDataParallelGroup(spec) : _comm);
        _graphs = CudaGraphPadding.For(spec);
        _host = HostCost.For(spec, _graphs, _m.NumLayers * 10 + 4);
        _denseByTokens = new double[Math.Clamp(spec.MaxNumBatchedTokens, 1, RooflineExecutionTimeModel.DenseTableTokens) + 1];
        for (int t = 1; t < _denseByTokens.Length; t++) _denseByTokens[t] = DenseSeconds(t);
    }

    public string Name => "gpu";
    public GpuModelParameters Parameters { get; }
    public string Communication => _comm.Name;
    public GpuKernels Kernels => _k;

    public double StepSeconds(in BatchShape s)
    {
        if (s.Tokens <= 0) return 0;
        int tokens = _graphs.Pad(s.Tokens); // graphed layers run the padded count; attention sees the real batch
        double dense = tokens < _denseByTokens.Length ? _denseByTokens[tokens] : DenseSeconds(tokens);
        int sliding = _m.SlidingWindow > 0 ? _m.SlidingWindowLayers : 0;
        double layers = (_m.NumLayers - sliding) * AttentionSecondsPerLayer(s) + sliding * SlidingAttentionSecondsPerLayer(s);
        if (_ep > 1 && s.GroupTokens > 0)
            layers += _m.NumLayers * (ExpertParallelMoeSeconds(s.GroupTokens) + MoeCollectives.Seconds(_dpComm, _m, _dp, s, s.GroupMaxTokens <= _graphs.MaxCaptureSize));
        double h = _m.HiddenSize, vocab = (double)_m.VocabSize / _tp;
        // vLLM computes logits at the last position of every scheduled request; the sampler reads them as FP32.
        double perStep = _k.Elementwise(2 * tokens * h * _actBytes, tokens) // embedding gather
            + _k.Elementwise(4 * tokens * h * _actBytes, tokens, RowKernelLaunch.FusedAddRmsNormThreads(tokens, h)) // final norm
            + _k.Gemm16(s.Sequences, vocab, h)                                   // LM head (left at 16 bits)
            + _k.Elementwise(s.Sequences * vocab * 4, s.Sequences);              // sampler
        double pipeline = (_pp - 1) * _comm.Seconds(CollectiveOp.SendRecv, (double)s.Tokens * h * _actBytes, 2, s.Tokens <= _graphs.MaxCaptureSize);
        return _host.Combine(dense + layers + perStep + pipeline, s);
    }

    /// <summary>All layers' token-count-only kernels and TP all-reduces.</summary>
    public double DenseSeconds(int tokens) => _m.NumLayers * DenseLayerSeconds(tokens);

    public double DenseLayerSeconds(double t)
    {
        double h = _m.HiddenSize, hd = _m.HeadDim, b = _actBytes, H = _m.NumHeads, Hkv = _m.NumKvHeads;
        double qkv = _k.Gemm(t, (H + 2 * Hkv) * hd / _tp, h);
        double o = _k.Gemm(t, h, H * hd / _tp);
        double kvPerRank = _m.KvHeadsPerRank(_tp);
        double rotary = _k.Elementwise(2 * t * (H / _tp + kvPerRank) * hd * b, t, RowKernelLaunch.RotaryThreads(H / _tp, hd));
        double cacheWrite = _k.Elementwise(t * 2 * kvPerRank * hd * (b + _kvBytes), t);
        double norms = 2 * _k.Elementwise(4 * t * h * b, t, RowKernelLaunch.FusedAddRmsNormThreads(t, h)); // fused residual add + RMSNorm: read and write x and the residual
        double mlp;
        if (!_m.IsMoe)
        {
            double i = (double)_m.IntermediateSize / _tp;
            mlp = _k.Gemm(t, 2 * i, h) + _k.Elementwise(3 * t * i * b, t, RowKernelLaunch.Threads) + _k.Gemm(t, h, i);
        }
        else mlp = _ep > 1 ? 0 : MoeLayerSeconds(t);
        double allReduce = 2 * _comm.Seconds(CollectiveOp.AllReduce, t * h * b, _tp, t <= _graphs.MaxCaptureSize);
        return qkv + o + rotary + cacheWrite + norms + mlp + allReduce;
    }

    /// <summary>One MoE layer with every expert on this GPU (split over TP): router, top-k, and the two grouped GEMMs over the experts the tokens touch.</summary>
    public double MoeLayerSeconds(double tokens)
    {
        double e = _m.NumExperts, k = _m.ExpertsPerToken;
        // The expected distinct experts a batch touches, each token picking k of e.
        return MoeSeconds(tokens, e * (1 - Math.Pow(1 - k / e, tokens)), tokens * k, _tp);
    }

    /// <summary>
    /// One GPU's share under EP: E/EP whole experts serving the group's tokens routed to them, timed on the busiest
    /// rank (most touched experts, most token-expert pairs; <see cref="ExpertLoad"/>), which the others wait for.
    /// </summary>
    public double ExpertParallelMoeSeconds(double groupTokens)
    {
        double e = _m.NumExperts, k = _m.ExpertsPerToken;
        return MoeSeconds(groupTokens / _ep, ExpertLoad.MaxTouchedExperts(groupTokens, e, k, _ep), ExpertLoad.MaxPairs(groupTokens, e, k, _ep), 1);
    }

    private double MoeSeconds(double routerTokens, double active, double pairs, int tp)
    {
        double h = _m.HiddenSize, w = (double)_m.ExpertWidth / tp, e = _m.NumExperts;
        double rows = pairs / Math.Max(1, active);
        double router = _k.Gemm16(routerTokens, e, h) + _k.Elementwise(routerTokens * e * 4, routerTokens);
        return router + _k.Grouped(active, rows, 2 * w, h) + _k.Elementwise(3 * rows * active * w * _actBytes, rows * active, RowKernelLaunch.Threads)
            + _k.Grouped(active, rows, h, w);
    }

    public double AttentionSecondsPerLayer(in BatchShape s) => _k.Attention(Shape(s));

    /// <summary>
    /// A sliding-window layer (FlashAttention's <c>window_size</c>, as vLLM passes it for gpt-oss's "sliding_attention"
    /// layers): each query reads at most the last <see cref="ModelSpec.SlidingWindow"/> keys. The batch carries only
    /// totals, so each is capped at the window times its count: exact when every context exceeds the window.
    /// </summary>
    public double SlidingAttentionSecondsPerLayer(in BatchShape s)
    {
        var a = Shape(s);
        double w = _m.SlidingWindow;
        return _k.Attention(a with
        {
            PrefillPairs = Math.Min(a.PrefillPairs, a.PrefillTokens * w),
            PrefillKvRead = Math.Min(a.PrefillKvRead, a.PrefillTokens + a.PrefillChunks * w),
            DecodeContext = Math.Min(a.DecodeContext, a.Decodes * w),
        });
    }

    private AttentionShape Shape(in BatchShape s) => new(
        (double)_m.NumHeads / _tp, _m.KvHeadsPerRank(_tp), _m.HeadDim, _actBytes, _kvBytes,
        s.PrefillCount, s.PrefillTokens, s.PrefillAttentionPairs, s.PrefillContext, s.DecodeCount, s.DecodeContext);
}
