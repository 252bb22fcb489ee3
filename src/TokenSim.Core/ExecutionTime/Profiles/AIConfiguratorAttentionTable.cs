using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// AIConfigurator's attention tables read for a batch on one rank (<paramref name="heads"/> and
/// <paramref name="kvHeads"/> per rank): the prefill chunks as a batch of one prompt whose causal query×key pairs
/// equal theirs (<c>context_attention_perf.csv</c> times prompts with no cached prefix), the decodes as
/// <c>generation_attention_perf.csv</c> at their count and mean KV length (its <c>isl</c> 1 plus <c>step</c>).
/// </summary>
/// <remarks>
/// The tables read are bf16 attention over a cache of <paramref name="kvCacheDType"/> (AIConfigurator's spelling:
/// <c>bfloat16</c>, <c>fp8</c>) with full attention (<c>window_size</c> 0 where the table has that column); when the
/// tables lack that cache dtype, the bf16 cache's, and <see cref="Table"/> says which was read.
/// </remarks>
public sealed class AIConfiguratorAttentionTable(AIConfiguratorProfile context, AIConfiguratorProfile generation, int heads, int kvHeads, int headDim,
    string kvCacheDType = "bfloat16") : IAttentionTable
{
    private readonly GridInterpolator _context = Pick(context, kvCacheDType).Interpolator, _generation = Pick(generation, kvCacheDType).Interpolator;

    /// <summary>The attention and KV-cache dtypes read, e.g. <c>bfloat16 (KV cache fp8)</c>.</summary>
    public string Table { get; } = Describe(Pick(generation, kvCacheDType));

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

    private static ProfileTable Pick(AIConfiguratorProfile p, string kv) =>
        p.Tables.FirstOrDefault(t => Matches(t, kv)) ?? p.Tables.FirstOrDefault(t => Matches(t, "bfloat16")) ?? p.Tables[0];

    // Table names are file:attn_dtype/kv_cache_dtype[/window_size].
    private static bool Matches(ProfileTable t, string kv)
    {
        var parts = t.Name[(t.Name.LastIndexOf(':') + 1)..].Split('/');
        return parts.Length >= 2 && parts[0] == "bfloat16" && parts[1] == kv && (parts.Length < 3 || parts[2] == "0");
    }

    private static string Describe(ProfileTable t)
    {
        var parts = t.Name[(t.Name.LastIndexOf(':') + 1)..].Split('/');
        return parts.Length >= 2 ? $"{parts[0]} (KV cache {parts[1]})" : t.Name;
    }
}
