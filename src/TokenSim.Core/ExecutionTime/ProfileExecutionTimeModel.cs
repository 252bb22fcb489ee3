using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// Step time composed from LLMServingSim's measured vLLM operator tables. Per layer: every dense operator at the
/// step's token count (QKV, O, gate/up, down, activation, rotary, and the two RMSNorms of a decoder layer), and the
/// measured mixed-batch attention. Once per step: embedding and final norm, then LM head and sampler over one
/// row per scheduled request (vLLM's <c>logits_indices</c>). Collectives are not in these tables (each rank was profiled
/// alone): TP all-reduces, pipeline hand-offs and the MoE dispatch and combine of data parallelism come from
/// <see cref="ICollectiveModel"/> (vLLM's path over the GPU's link, measured where the GPU has tables).
/// </summary>
/// <remarks>
/// Steps small enough for a CUDA graph pay for the padded token count in the dense layers (<see cref="CudaGraphPadding"/>).
/// The projection GEMMs and the LM head are read as tile staircases between measured counts (<see cref="TileQuantizedTable"/>).
/// Decodes with uneven KV lengths add LLMServingSim's measured skew penalty (<see cref="SkewFit"/>) when the
/// profile carries one.
/// A batch maps onto the attention table's axes by conserving work. Prefill chunks become one chunk of their
/// total tokens, with the KV length that gives the same causal query×key pairs. Decodes become their count at
/// their mean KV length. Token-count terms are tabulated once, so a step costs one lookup plus one 4-axis
/// interpolation.
/// </remarks>
public sealed class ProfileExecutionTimeModel : IExecutionTimeModel
{
    /// <summary>Operators charged once per step, not per layer.</summary>
    private static readonly HashSet<string> PerStep = ["embedding", "final_layernorm"];

    private readonly LlmServingSimProfile _profile;
    private readonly ModelSpec _m;
    private readonly ICollectiveModel _comm;
    /// <summary>The DP group's collectives (MoE dispatch and combine), which may span nodes where TP does not.</summary>
    private readonly ICollectiveModel _dpComm;
    private readonly int _tp, _pp, _ep, _dp;
    /// <summary>The roofline's expert layers, for an MoE model whose profile has no <c>moe.csv</c> at this TP degree.</summary>
    private readonly RooflineExecutionTimeModel? _moeFallback;
    private readonly double[] _denseByTokens;
    private readonly TileQuantizedTable _lmHead;
    private readonly GridInterpolator _sampler;
    /// <summary>The dense operators, GEMMs read as tile staircases (<see cref="TileQuantizedTable"/>).</summary>
    private readonly (string Op, Func<double, double> Seconds)[] _dense;
    private readonly CudaGraphPadding _graphs;
    private readonly HostCost _host;

    private readonly SkewFit? _skew;

    public ProfileExecutionTimeModel(ReplicaSpec spec, LlmServingSimProfile profile, SkewFit? skew = null, RooflineParameters? parameters = null,
        ICollectiveModel? communication = null)
    {
        _profile = profile;
        _skew = skew;
        _m = spec.Model;
        _tp = spec.TensorParallel;
        _pp = spec.PipelineParallel;
        _ep = spec.ExpertParallelSize;
        _dp = spec.DataParallel;
        Parameters = parameters ?? new RooflineParameters { StepOverheadSeconds = 0 };
        _comm = communication ?? VllmCollectives.For(spec);
        _dpComm = communication ?? (spec.DataParallel > 1 ? VllmCollectives.ForDataParallelGroup(spec) : _comm);
        if (_m.IsMoe && profile.Moe is null) _moeFallback = new RooflineExecutionTimeModel(spec, communication: _comm);
        _graphs = CudaGraphPadding.For(spec);
        _lmHead = new TileQuantizedTable(profile.PerSequence["lm_head"]);
        _dense = profile.Dense.Select(kv =>
        {
            var table = kv.Value;
            Func<double, double> seconds = TileQuantizedTable.IsGemm(kv.Key) ? new TileQuantizedTable(table).Evaluate : x => table.Evaluate(x);
            return (kv.Key, seconds);
        }).ToArray();
        _sampler = profile.PerSequence["sampler"];
        // Kernels a step launches: each per-layer operator (the RMSNorm twice), attention, and the per-step ones.
        int perLayer = profile.Dense.Keys.Count(k => !PerStep.Contains(k)) + 1 + (profile.Dense.ContainsKey("layernorm") ? 1 : 0);
        KernelsPerStep = _m.NumLayers * perLayer + profile.Dense.Keys.Count(PerStep.Contains) + profile.PerSequence.Count;
        // Launched eagerly, a step also writes each layer's new K and V into the cache (a kernel the profile times inside attention).
        _host = HostCost.For(spec, _graphs, KernelsPerStep + _m.NumLayers, Parameters.StepOverheadSeconds);
        _denseByTokens = new double[Math.Clamp(spec.MaxNumBatchedTokens, 1, RooflineExecutionTimeModel.DenseTableTokens) + 1];
        for (int t = 1; t < _denseByTokens.Length; t++) _denseByTokens[t] = DenseSeconds(t);
    }

    public string Name => $"profile:{_profile.Source}";
    /// <summary>Where collective times come from.</summary>
    public string Communication => _comm.Name;
    /// <summary>Whether expert layers come from the roofline because the profile has no <c>moe.csv</c> at this TP degree.</summary>
    public bool MoeFromRoofline => _moeFallback is not null;
    /// <summary>
    /// Roofline factors for the terms the tables lack: all-reduce, pipeline hand-offs, and the fixed cost of each
    /// kernel in a step (<see cref="RooflineParameters.KernelLatencySeconds"/>), which per-operator timing leaves out.
    /// </summary>
    public RooflineParameters Parameters { get; }

    /// <summary>The host's launches by CUDA-graph regime, and whether async scheduling hides them.</summary>
    public HostCost Host => _host;

    /// <summary>Kernels launched per step, each charged <see cref="RooflineParameters.KernelLatencySeconds"/> of dispatch gap.</summary>
    public int KernelsPerStep { get; }

    public double StepSeconds(in BatchShape s)
    {
        if (s.Tokens <= 0) return 0;
        // Graphed layers run the padded token count; attention and the LM head see the real batch.
        int tokens = _graphs.Pad(s.Tokens);
        double dense = tokens < _denseByTokens.Length ? _denseByTokens[tokens] : DenseSeconds(tokens);
        double attention = _m.NumLayers * AttentionSecondsPerLayer(s);
        if (_ep > 1 && s.GroupTokens > 0)
        {
            // moe.csv is measured with every expert on one GPU. Under EP, a GPU runs the group's token-expert
            // pairs routed to its E/EP experts: the table at the token count giving as many pairs, and the
            // distinct local experts those pairs activate, both on the busiest rank (ExpertLoad).
            double e = _m.NumExperts, k = _m.ExpertsPerToken, g = s.GroupTokens;
            double experts = _profile.Moe is { } moe
                ? moe.Evaluate(ExpertLoad.MaxPairs(g, e, k, _ep) / k, ExpertLoad.MaxTouchedExperts(g, e, k, _ep))
                : _moeFallback!.ExpertParallelMoeSeconds(g);
            attention += _m.NumLayers * (experts + MoeDispatchCombineSeconds(s));
        }
        // vLLM computes logits at the last position of every scheduled request, partial prefills included.
        double perSequence = _lmHead.Evaluate(s.Sequences) + _sampler.Evaluate(s.Sequences);
        double pipeline = (_pp - 1) * _comm.Seconds(CollectiveOp.SendRecv, (double)s.Tokens * _m.HiddenSize * _m.DTypeBytes, 2, Graphed(s.Tokens));
        double gpu = dense + attention + perSequence + pipeline + KernelsPerStep * Parameters.KernelLatencySeconds;
        return _host.Combine(gpu, s) + Parameters.StepOverheadSeconds;
    }

    /// <summary>All layers' dense operators, TP all-reduces and the per-step embedding and final norm for <paramref name="tokens"/>.</summary>
    public double DenseSeconds(int tokens)
    {
        double perLayer = 0, perStep = 0;
        foreach (var (op, seconds) in _dense)
        {
            double t = seconds(tokens);
            if (PerStep.Contains(op)) perStep += t;
            else perLayer += op == "layernorm" ? 2 * t : t; // input and post-attention RMSNorm
        }
        if (_m.IsMoe && _ep == 1)
        {
            double e = _m.NumExperts, k = _m.ExpertsPerToken;
            perLayer += _profile.Moe is { } moe ? moe.Evaluate(tokens, e * (1 - Math.Pow(1 - k / e, tokens))) : _moeFallback!.MoeLayerSeconds(tokens);
        }
        perLayer += 2 * _comm.Seconds(CollectiveOp.AllReduce, (double)tokens * _m.HiddenSize * _m.DTypeBytes, _tp, Graphed(tokens));
        return _m.NumLayers * perLayer + perStep;
    }

    /// <summary>Whether a step of <paramref name="tokens"/> replays a CUDA graph (its collectives captured in it).</summary>
    private bool Graphed(int tokens) => tokens <= _graphs.MaxCaptureSize;

    /// <summary>
    /// One MoE layer's dispatch and combine across the DP group (vLLM's default <c>allgather_reducescatter</c>
    /// backend): the hidden rows with their top-k weights and ids gathered from every rank, and the expert output
    /// reduce-scattered back, each rank's share padded to the largest (<see cref="MoeCollectives"/>).
    /// </summary>
    public double MoeDispatchCombineSeconds(in BatchShape s) => MoeCollectives.Seconds(_dpComm, _m, _dp, s, Graphed(s.GroupMaxTokens));

    public double AttentionSecondsPerLayer(in BatchShape s)
    {
        double chunk = s.PrefillTokens, kvPrefill = 0;
        if (chunk > 0) kvPrefill = Math.Max(0, (s.PrefillAttentionPairs - 0.5 * chunk * (chunk + 1)) / chunk);
        double kvDecode = s.DecodeCount > 0 ? (double)s.DecodeContext / s.DecodeCount : 0;
        double t = _profile.Attention.Evaluate(chunk, kvPrefill, s.DecodeCount, kvDecode);
        if (_skew is null || s.DecodeAboveMean == 0) return t;
        double kvBig = (double)s.DecodeAboveMeanContext / s.DecodeAboveMean;
        double tBig = _profile.Attention.Evaluate(chunk, kvPrefill, s.DecodeCount, kvBig);
        double alpha = _skew.Alpha(chunk, s.DecodeCount, (double)s.DecodeAboveMean / s.DecodeCount, kvBig, kvPrefill);
        return t + alpha * (tBig - t);
    }
}
