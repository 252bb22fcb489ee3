using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// A roofline model of one step of a decoder-only transformer under tensor and pipeline parallelism. Per layer:
/// the QKV, O and MLP GEMMs (MoE: the activated experts' GEMMs, loading the expected number of distinct experts),
/// prefill and decode attention (FLOPs over causal query×key pairs; bytes of KV read), norms, rotary embedding,
/// activation and residual adds (memory-bound), and two all-reduces (<see cref="ICollectiveModel"/>). Then the LM head over
/// one row per scheduled request, pipeline hand-offs between stages, and a per-step CPU overhead. Token-count-only terms are
/// precomputed per token count, so a step costs a table lookup plus the attention terms.
/// </summary>
public sealed class RooflineExecutionTimeModel : IExecutionTimeModel
{
    private readonly ModelSpec _m;
    private readonly RooflineParameters _p;
    private readonly RooflineKernels _k;
    private readonly int _tp;
    private readonly int _pp;
    private readonly int _ep;
    private readonly int _dp;
    private readonly ICollectiveModel _comm;
    /// <summary>The DP group's collectives (MoE dispatch and combine), which may span nodes where TP does not.</summary>
    private readonly ICollectiveModel _dpComm;
    private readonly double _kvBytesPerTokenLayer;
    /// <summary>The model's element size, read every step: <see cref="ModelSpec.DTypeBytes"/> parses the dtype's name each time.</summary>
    private readonly int _dtypeBytes;
    private readonly double[] _denseByTokens;
    private readonly CudaGraphPadding _graphs;
    private readonly HostCost _host;

    public RooflineExecutionTimeModel(ReplicaSpec spec, RooflineParameters? parameters = null, ICollectiveModel? communication = null)
    {
        _m = spec.Model;
        _p = parameters ?? new RooflineParameters();
        _k = new RooflineKernels(spec.Hardware, _m.DType, _p);
        _tp = spec.TensorParallel;
        _pp = spec.PipelineParallel;
        _ep = spec.ExpertParallelSize;
        _dp = spec.DataParallel;
        _comm = communication ?? VllmCollectives.For(spec);
        _dtypeBytes = _m.DTypeBytes;
        _dpComm = communication ?? (spec.DataParallel > 1 ? VllmCollectives.ForDataParallelGroup(spec) : _comm);
        _kvBytesPerTokenLayer = _m.KvBytesPerTokenPerLayer(_tp, DTypes.Bytes(spec.KvCacheDType));
        _graphs = CudaGraphPadding.For(spec);
        // Per layer eagerly: QKV, rotary, KV-cache write, attention, O, two fused add+norms, gate/up, activation, down
        // (MoE: router, top-k, the two grouped GEMMs); per step: embedding, final norm, LM head, sampler.
        _host = HostCost.For(spec, _graphs, _m.NumLayers * 10 + 4, _p.StepOverheadSeconds);
        // Steps beyond the table are computed when they occur: a table of every possible step would be huge for big budgets.
        // Entries are filled when a step of that size first occurs (0: not yet; every dense time is positive): a run
        // meets a few hundred of the 2,048 to 8,192 sizes, and filling them all was a plan candidate's largest set-up cost.
        int tableSize = Math.Clamp(spec.MaxNumBatchedTokens, 1, DenseTableTokens) + 1;
        _denseByTokens = new double[tableSize];
    }

    /// <summary>
    /// <see cref="DenseSeconds"/> through the table. The model may be shared by simulations on several threads (a
    /// twin's forks): two may fill an entry at once, with the same double, and an 8-byte aligned write is atomic.
    /// </summary>
    private double Dense(int tokens)
    {
        if ((uint)tokens >= (uint)_denseByTokens.Length) return DenseSeconds(tokens);
        double d = _denseByTokens[tokens];
        if (d == 0) _denseByTokens[tokens] = d = DenseSeconds(tokens);
        return d;
    }

    /// <summary>Step sizes whose dense-layer time is tabulated at construction; larger ones are computed per step.</summary>
    internal const int DenseTableTokens = 65_536;

    public string Name => "roofline";
    /// <summary>Where collective times come from.</summary>
    public string Communication => _comm.Name;
    public RooflineParameters Parameters => _p;

    /// <summary>The link TP traffic crosses: NVLink/PCIe within a node, the network beyond it.</summary>
    public static LinkSpec TpLink(HardwareSpec hw, int tp) => tp <= hw.GpusPerNode || hw.InterNode is null ? hw.IntraNodeLink : hw.InterNode;

    public double StepSeconds(in BatchShape s)
    {
        if (s.Tokens <= 0) return 0;
        int tokens = _graphs.Pad(s.Tokens); // graphed layers run the padded count
        double dense = Dense(tokens);
        double layers = _m.NumLayers * AttentionSecondsPerLayer(s);
        // Expert parallelism: the experts here serve the whole DP group's tokens, which arrive and leave by all-to-all.
        if (_ep > 1) layers += _m.NumLayers * (ExpertParallelMoeSeconds(s.GroupTokens) + MoeCollectives.Seconds(_dpComm, _m, _dp, s, s.GroupMaxTokens <= _graphs.MaxCaptureSize));
        // vLLM computes logits at the last position of every scheduled request, partial prefills included.
        double lmHead = _k.Gemm(s.Sequences, (double)_m.VocabSize / _tp, _m.HiddenSize);
        // Without PP there is no hand-off: the collective model is not asked for a time it would multiply by zero.
        double pipeline = _pp == 1 ? 0 : (_pp - 1) * _comm.Seconds(CollectiveOp.SendRecv, (double)s.Tokens * _m.HiddenSize * _dtypeBytes, 2, s.Tokens <= _graphs.MaxCaptureSize);
        return _host.Combine(dense + layers + lmHead + pipeline, s) + _p.StepOverheadSeconds;
    }

    /// <summary>
    /// A decode segment's step times (<see cref="IExecutionTimeModel.DecodeStepSeconds"/>): the steps differ only in their
    /// decode context, so the dense layers, the LM head, the pipeline hand-off and the host's launches are computed once
    /// and each step adds its attention, in the order <see cref="StepSeconds"/> adds them (the same doubles).
    /// </summary>
    public void DecodeStepSeconds(in BatchShape first, Span<double> seconds)
    {
        if (!DecodeSteps.IsDecodeOnly(first))
        {
            DecodeSteps.OneByOne(this, first, seconds);
            return;
        }
        var s = first;
        int tokens = _graphs.Pad(s.Tokens);
        double dense = Dense(tokens);
        // Added to the attention layers when there is expert parallelism; + 0 changes no positive double otherwise.
        double experts = _ep > 1 ? _m.NumLayers * (ExpertParallelMoeSeconds(s.GroupTokens) + MoeCollectives.Seconds(_dpComm, _m, _dp, s, s.GroupMaxTokens <= _graphs.MaxCaptureSize)) : 0;
        double lmHead = _k.Gemm(s.Sequences, (double)_m.VocabSize / _tp, _m.HiddenSize);
        double pipeline = _pp == 1 ? 0 : (_pp - 1) * _comm.Seconds(CollectiveOp.SendRecv, (double)s.Tokens * _m.HiddenSize * _dtypeBytes, 2, s.Tokens <= _graphs.MaxCaptureSize);
        double host = _host.Seconds(s);
        bool waits = _host.WaitsForGpu(s);
        int layers = _m.NumLayers;
        // AttentionSecondsPerLayer with its shape-independent factors taken out, as it groups them.
        double headsPerRank = (double)_m.NumHeads / _tp;
        double flopsPerContext = 4 * headsPerRank * _m.HeadDim;
        double qoBytes = 2.0 * s.Tokens * headsPerRank * _m.HeadDim * _dtypeBytes;
        double overhead = _p.StepOverheadSeconds, kvBytesPerToken = _kvBytesPerTokenLayer;
        // _k.Attention(flops, bytes) written out with its rates read once: the loop is the cost of every step a decode run times.
        var (computeRate, memoryRate, latency) = _k.AttentionRates;
        bool ep = _ep > 1;
        long context = s.DecodeContext;
        int step = s.DecodeCount;
        for (int i = 0; i < seconds.Length; i++, context += step)
        {
            double attention = Math.Max(flopsPerContext * (0.0 + context) / computeRate, (kvBytesPerToken * context + qoBytes) / memoryRate) + latency;
            double layered = layers * attention;
            if (ep) layered += experts;
            seconds[i] = _host.Combine(dense + layered + lmHead + pipeline, host, waits) + overhead;
        }
    }

    /// <summary>Everything that depends only on the step's token count, summed over all layers.</summary>
    public double DenseSeconds(int tokens) => _m.NumLayers * DenseLayerSeconds(tokens);

    /// <summary>One layer's projections, MLP, elementwise kernels and TP all-reduces for <paramref name="tokens"/> tokens.</summary>
    public double DenseLayerSeconds(double t)
    {
        double h = _m.HiddenSize, hd = _m.HeadDim, b = _dtypeBytes;
        double qkv = _k.Gemm(t, (_m.NumHeads + 2.0 * _m.NumKvHeads) * hd / _tp, h);
        double o = _k.Gemm(t, h, _m.NumHeads * hd / _tp);
        double mlp = _m.IsMoe ? (_ep > 1 ? 0 : MoeLayerSeconds(t)) : _k.Gemm(t, 2.0 * _m.IntermediateSize / _tp, h) + _k.Gemm(t, h, (double)_m.IntermediateSize / _tp);
        double width = _m.IsMoe ? (double)_m.ExpertWidth * _m.ExpertsPerToken / _tp : (double)_m.IntermediateSize / _tp;
        // Two RMSNorms and two residual adds (read+write hidden), rotary on Q and K, SiLU-and-mul (read 2·I, write I).
        double elementBytes = t * b * (h * 4 * 2 + 2 * (_m.NumHeads + _m.NumKvHeads) * hd / _tp + 3 * width);
        double elementwise = _k.Elementwise(elementBytes) + 4 * _p.KernelLatencySeconds;
        double allReduce = 2 * _comm.Seconds(CollectiveOp.AllReduce, t * h * b, _tp, t <= _graphs.MaxCaptureSize);
        return qkv + o + mlp + elementwise + allReduce;
    }

    /// <summary>One MoE layer on one GPU holding every expert (split over TP): the router, and the activated experts' GEMMs.</summary>
    public double MoeLayerSeconds(double tokens)
    {
        double h = _m.HiddenSize, w = _m.ExpertWidth, e = _m.NumExperts, k = _m.ExpertsPerToken, b = _m.DTypeBytes;
        double router = _k.Gemm(tokens, e, h);
        // Tokens pick k of e experts; the expected number of distinct experts touched sets the weight bytes read.
        double active = e * (1 - Math.Pow(1 - k / e, tokens));
        double flops = 2 * tokens * k * 3 * h * w / _tp;
        double bytes = (active * 3 * h * w / _tp + tokens * k * (h + 3 * w / _tp) * 2) * b;
        return router + _k.Grouped(flops, bytes) + 2 * _p.KernelLatencySeconds;
    }

    /// <summary>One GPU's share of an MoE layer under EP: E/EP whole experts, serving the group's tokens routed to them.</summary>
    public double ExpertParallelMoeSeconds(double groupTokens)
    {
        if (groupTokens <= 0) return 0;
        double h = _m.HiddenSize, w = _m.ExpertWidth, e = _m.NumExperts, k = _m.ExpertsPerToken, b = _m.DTypeBytes;
        // The busiest rank's pairs and touched experts: the others wait for it at the combine.
        double pairs = ExpertLoad.MaxPairs(groupTokens, e, k, _ep);
        double active = ExpertLoad.MaxTouchedExperts(groupTokens, e, k, _ep);
        double router = _k.Gemm(groupTokens / _ep, e, h);
        return router + _k.Grouped(2 * pairs * 3 * h * w, (active * 3 * h * w + pairs * (h + 3 * w) * 2) * b) + 2 * _p.KernelLatencySeconds;
    }

    /// <summary>One layer's attention for the batch: causal query×key FLOPs and the KV bytes every sequence reads.</summary>
    public double AttentionSecondsPerLayer(in BatchShape s)
    {
        double headsPerRank = (double)_m.NumHeads / _tp;
        double flops = 4 * headsPerRank * _m.HeadDim * (s.PrefillAttentionPairs + s.DecodeContext);
        double kvBytes = _kvBytesPerTokenLayer * (s.DecodeContext + s.PrefillContext);
        double qoBytes = 2.0 * s.Tokens * headsPerRank * _m.HeadDim * _dtypeBytes;
        return _k.Attention(flops, kvBytes + qoBytes);
    }
}
