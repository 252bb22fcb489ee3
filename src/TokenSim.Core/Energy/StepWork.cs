using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Energy;

/// <summary>
/// The arithmetic and DRAM traffic of one engine step, summed over every GPU of one engine rank (TP × PP): the same
/// operators the roofline times (<see cref="RooflineExecutionTimeModel"/>), counted with its GEMM and attention work
/// formulas (<see cref="RooflineKernels.GemmFlops"/> and the rest). It depends only on the model's shape and the
/// batch, never on the execution-time model, so a step timed from a measured profile gets the same counts.
/// </summary>
/// <remarks>
/// Bytes are DRAM traffic with no cache reuse (each GEMM reads its weights and activations, attention reads the KV it
/// attends to), as the roofline assumes. Collectives and pipeline hand-offs are left out: their energy is in the
/// links, which the board power figures do not separate.
/// </remarks>
public sealed class StepWork
{
    private readonly ModelSpec _m;
    private readonly int _tp, _ep;
    private readonly double _b, _kvBytes;
    private readonly CudaGraphPadding _graphs;
    /// <summary>One layer's dense work by padded token count, filled as counts appear: a run's steps repeat a few
    /// hundred counts millions of times. Not for MoE under EP, whose work depends on the whole group's tokens.</summary>
    private (double Flops, double Bytes)[] _dense = [];
    private readonly bool _memo;

    public StepWork(ReplicaSpec spec)
    {
        _m = spec.Model;
        _tp = spec.TensorParallel;
        _ep = spec.ExpertParallelSize;
        _b = _m.DTypeBytes;
        _kvBytes = DTypes.Bytes(spec.KvCacheDType);
        _graphs = CudaGraphPadding.For(spec);
        _memo = !(_m.IsMoe && _ep > 1);
    }

    /// <summary>FLOPs and DRAM bytes of a step of shape <paramref name="s"/> over all the rank's GPUs.</summary>
    public (double Flops, double Bytes) Of(in BatchShape s)
    {
        if (s.Tokens <= 0) return (0, 0);
        // Graphed layers run the padded token count, as the roofline times them; attention sees the real batch.
        int t = _graphs.Pad(s.Tokens);
        var (flops, bytes) = _memo ? Dense(t) : DenseLayer(t, s.GroupTokens);
        var attention = new AttentionShape((double)_m.NumHeads / _tp, _m.KvHeadsPerRank(_tp), _m.HeadDim, _b, _kvBytes,
            s.PrefillCount, s.PrefillTokens, s.PrefillAttentionPairs, s.PrefillContext, s.DecodeCount, s.DecodeContext);
        flops += RooflineKernels.AttentionFlops(attention);
        bytes += RooflineKernels.AttentionBytes(attention);
        // vLLM computes logits at the last position of every scheduled request (one pipeline stage does it).
        double vocab = (double)_m.VocabSize / _tp, h = _m.HiddenSize;
        double headFlops = RooflineKernels.GemmFlops(s.Sequences, vocab, h), headBytes = RooflineKernels.GemmBytes(s.Sequences, vocab, h, _b);
        // One TP rank's work per layer, over all layers (split across PP stages, summed), times the TP ranks.
        return (_tp * (_m.NumLayers * flops + headFlops), _tp * (_m.NumLayers * bytes + headBytes));
    }

    private (double Flops, double Bytes) Dense(int t)
    {
        if (t >= _dense.Length)
        {
            // Grown to the count, not beyond the largest batch a step can hold; an unfilled slot reads (0, 0).
            var grown = new (double, double)[Math.Max(t + 1, Math.Min(2 * _dense.Length, 1 << 16))];
            _dense.CopyTo(grown, 0);
            _dense = grown;
        }
        ref var slot = ref _dense[t];
        if (slot.Flops == 0) slot = DenseLayer(t, t);
        return slot;
    }

    /// <summary>One TP rank's projections, MLP (or MoE) and elementwise kernels in one layer.</summary>
    private (double Flops, double Bytes) DenseLayer(double t, double groupTokens)
    {
        double h = _m.HiddenSize, hd = _m.HeadDim, H = _m.NumHeads, Hkv = _m.NumKvHeads;
        double flops = 0, bytes = 0;
        void Gemm(double m, double n, double k)
        {
            flops += RooflineKernels.GemmFlops(m, n, k);
            bytes += RooflineKernels.GemmBytes(m, n, k, _b);
        }
        Gemm(t, (H + 2 * Hkv) * hd / _tp, h); // QKV
        Gemm(t, h, H * hd / _tp);             // O
        double width;
        if (!_m.IsMoe)
        {
            double i = (double)_m.IntermediateSize / _tp;
            Gemm(t, 2 * i, h);
            Gemm(t, h, i);
            width = i;
        }
        else
        {
            double w = _m.ExpertWidth, e = _m.NumExperts, k = _m.ExpertsPerToken;
            width = w * k / _tp;
            if (_ep > 1)
            {
                // This GPU's E/EP experts serve the whole DP group's tokens routed to them.
                double g = Math.Max(groupTokens, t), pairs = g * k / _ep, active = e / _ep * (1 - Math.Pow(1 - k / e, g));
                Gemm(g / _ep, e, h);
                flops += 2 * pairs * 3 * h * w;
                bytes += (active * 3 * h * w + pairs * (h + 3 * w) * 2) * _b;
            }
            else
            {
                // The expected distinct experts the tokens touch set the weight bytes read.
                double active = e * (1 - Math.Pow(1 - k / e, t));
                Gemm(t, e, h);
                flops += 2 * t * k * 3 * h * w / _tp;
                bytes += (active * 3 * h * w / _tp + t * k * (h + 3 * w / _tp) * 2) * _b;
            }
        }
        // Two RMSNorms and two residual adds (read+write hidden), rotary on Q and K, SiLU-and-mul (read 2·I, write I).
        bytes += t * _b * (h * 4 * 2 + 2 * (H + Hkv) * hd / _tp + 3 * width);
        return (flops, bytes);
    }
}
