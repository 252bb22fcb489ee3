using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// Step time from per-layer operator tables that time each operator alone by token count and TP degree (Vidur's
/// <c>mlp.csv</c>, LLMServingSim's v0 <c>layers.csv</c>, AIConfigurator's GEMMs by shape): every operator a table
/// holds is read from it, and what the profile does not time comes from the roofline: attention (unless measured
/// attention tables come with them), expert layers, the LM head and final norm where absent, and residual adds in an engine that
/// does not fuse them. Collectives, CUDA-graph padding and host launches are as in
/// <see cref="ProfileExecutionTimeModel"/>; <see cref="Sources"/> says which part came from where.
/// </summary>
public sealed class LayerProfileExecutionTimeModel : IExecutionTimeModel
{
    private readonly LayerOperatorTables _tables;
    private readonly ModelSpec _m;
    private readonly int _tp, _pp;
    private readonly RooflineKernels _k;
    private readonly RooflineExecutionTimeModel _roofline;
    private readonly ICollectiveModel _comm;
    private readonly CudaGraphPadding _graphs;
    private readonly HostCost _host;
    private readonly Func<double, double>[] _layerOps;
    private readonly Func<double, double> _embedding, _finalNorm, _lmHead;
    private readonly double[] _denseByTokens;
    private readonly int _kernelsPerStep;
    private readonly int _activationBytes;

    public LayerProfileExecutionTimeModel(ReplicaSpec spec, LayerOperatorTables tables, RooflineParameters? parameters = null, ICollectiveModel? communication = null)
    {
        _tables = tables;
        _m = spec.Model;
        _tp = spec.TensorParallel;
        _pp = spec.PipelineParallel;
        Parameters = parameters ?? new RooflineParameters { StepOverheadSeconds = 0 };
        _k = new RooflineKernels(spec.Hardware, _m.DType, Parameters);
        _comm = communication ?? VllmCollectives.For(spec);
        _roofline = new RooflineExecutionTimeModel(spec, Parameters, _comm);
        _graphs = CudaGraphPadding.For(spec);
        // Activations stay 16-bit when the weights are 8-bit or narrower (vLLM's FP8/FP4 linear methods return the
        // input's bf16), so norms, rotary, activation and all-reduces move 2-byte elements.
        _activationBytes = Math.Max(2, _m.DTypeBytes);
        double h = _m.HiddenSize, d = _m.HeadDim, b = _activationBytes, H = _m.NumHeads, Hkv = _m.NumKvHeads, I = _m.IntermediateSize, tp = _tp;
        var measured = new List<string>();
        var modelled = new List<string>();
        Func<double, double> Pick(string op, Func<double, double> roofline)
        {
            if (tables.Get(op) is { } f) { measured.Add(op); return t => f(tp, t); }
            modelled.Add(op);
            return roofline;
        }
        var ops = new List<Func<double, double>>
        {
            Pick("input_layernorm", t => _k.Elementwise(2 * t * h * b)),
            Pick("attn_pre_proj", t => _k.Gemm(t, (H + 2 * Hkv) * d / tp, h)),
            Pick("attn_rope", t => _k.Elementwise(2 * t * (H + Hkv) * d / tp * b)),
            Pick("attn_post_proj", t => _k.Gemm(t, h, H * d / tp)),
            Pick("post_attention_layernorm", t => _k.Elementwise(2 * t * h * b)),
        };
        if (_m.IsMoe)
        {
            // No per-layer profile times expert layers: the roofline's.
            ops.Add(t => _roofline.MoeLayerSeconds(t));
            modelled.Add("moe");
        }
        else
        {
            ops.Add(Pick("mlp_up_proj", t => _k.Gemm(t, 2 * I / tp, h)));
            ops.Add(Pick("mlp_act", t => _k.Elementwise(3 * t * I / tp * b)));
            ops.Add(Pick("mlp_down_proj", t => _k.Gemm(t, h, I / tp)));
        }
        if (!tables.FusedResidualAdd)
        {
            var add = Pick("add", t => _k.Elementwise(3 * t * h * b));
            ops.Add(t => 2 * add(t));
        }
        _layerOps = ops.ToArray();
        _embedding = Pick("emb", t => _k.Elementwise(2 * t * h * b));
        _finalNorm = Pick("final_layernorm", t => _k.Elementwise(4 * t * h * b));
        _lmHead = Pick("lm_head", s => _k.Gemm(s, _m.VocabSize / tp, h));
        if (tables.Attention is null) modelled.Add("attention"); else measured.Add("attention");
        Sources = $"measured: {string.Join(", ", measured)}; roofline: {string.Join(", ", modelled)}"
            + (tables.Dtypes is { } dtypes ? $"; tables: {dtypes}" : "");
        // Per layer: the ops above, attention and the KV-cache write; per step: embedding, final norm, LM head, sampler.
        _kernelsPerStep = _m.NumLayers * (_layerOps.Length + 2) + 4;
        _host = HostCost.For(spec, _graphs, _kernelsPerStep, Parameters.StepOverheadSeconds);
        _denseByTokens = new double[Math.Clamp(spec.MaxNumBatchedTokens, 1, RooflineExecutionTimeModel.DenseTableTokens) + 1];
        for (int t = 1; t < _denseByTokens.Length; t++) _denseByTokens[t] = DenseSeconds(t);
    }

    public string Name => $"profile:{_tables.Origin}";
    public RooflineParameters Parameters { get; }
    /// <summary>Which operators came from the measured tables and which from the roofline, for run headers.</summary>
    public string Sources { get; }
    public string Communication => _comm.Name;

    public double StepSeconds(in BatchShape s)
    {
        if (s.Tokens <= 0) return 0;
        int tokens = _graphs.Pad(s.Tokens);
        double dense = tokens < _denseByTokens.Length ? _denseByTokens[tokens] : DenseSeconds(tokens);
        double attention = _m.NumLayers * AttentionSecondsPerLayer(s);
        double lmHead = _lmHead(s.Sequences);
        double pipeline = (_pp - 1) * _comm.Seconds(CollectiveOp.SendRecv, (double)s.Tokens * _m.HiddenSize * _activationBytes, 2, s.Tokens <= _graphs.MaxCaptureSize);
        double gpu = dense + attention + lmHead + pipeline + _kernelsPerStep * Parameters.KernelLatencySeconds;
        return _host.Combine(gpu, s) + Parameters.StepOverheadSeconds;
    }

    /// <summary>All layers' operators and TP all-reduces, plus the embedding and final norm, for <paramref name="tokens"/>.</summary>
    public double DenseSeconds(int tokens)
    {
        double layer = 0;
        foreach (var op in _layerOps) layer += op(tokens);
        layer += 2 * _comm.Seconds(CollectiveOp.AllReduce, (double)tokens * _m.HiddenSize * _activationBytes, _tp, tokens <= _graphs.MaxCaptureSize);
        return _m.NumLayers * layer + _embedding(tokens) + _finalNorm(tokens);
    }

    /// <summary>One layer's attention: from the profile's measured tables where it has them, else the roofline's.</summary>
    public double AttentionSecondsPerLayer(in BatchShape s) =>
        _tables.Attention is { } a ? a.SecondsPerLayer(s) : _roofline.AttentionSecondsPerLayer(s);
}
