using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// AIConfigurator's attention tables read for a batch on one rank (<paramref name="heads"/> and
/// <paramref name="kvHeads"/> per rank): the prefill chunks as a batch of one prompt whose causal query×key pairs
/// equal theirs (<c>context_attention_perf.csv</c> times prompts with no cached prefix), the decodes as
/// <c>generation_attention_perf.csv</c> at their count and mean KV length (its <c>isl</c> 1 plus <c>step</c>).
/// </summary>
public sealed class AIConfiguratorAttentionTable(AIConfiguratorProfile context, AIConfiguratorProfile generation, int heads, int kvHeads, int headDim) : IAttentionTable
{
    private readonly GridInterpolator _context = Pick(context), _generation = Pick(generation);

    public double SecondsPerLayer(in BatchShape s)
    {
        double t = 0;
        if (s.PrefillTokens > 0)
        {
            // n(n+1)/2 pairs for a prompt of n: the prompt length with the chunks' pairs.
            double isl = (Math.Sqrt(1 + 8 * s.PrefillAttentionPairs) - 1) / 2;
            t += _context.Evaluate(kvHeads, heads, headDim, 1, Math.Max(1, isl));
        }
        if (s.DecodeCount > 0)
        {
            double kv = (double)s.DecodeContext / s.DecodeCount;
            t += _generation.Evaluate(kvHeads, heads, headDim, s.DecodeCount, 1, Math.Max(1, kv - 1));
        }
        return t;
    }

    /// <summary>The bf16 attention with a bf16 cache: what a model served in 16-bit runs.</summary>
    private static GridInterpolator Pick(AIConfiguratorProfile p) =>
        (p.Tables.FirstOrDefault(t => t.Name.EndsWith(":bfloat16/bfloat16", StringComparison.Ordinal)) ?? p.Tables[0]).Interpolator;
}
