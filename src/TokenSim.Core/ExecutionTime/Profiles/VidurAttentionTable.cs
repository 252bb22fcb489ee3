using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// A Vidur-format attention profile read for a batch: the prefill chunks as one chunk of their total tokens after the
/// KV length that conserves causal query×key pairs, the decodes at their mean KV length (the legacy LLMServingSim sweep
/// keyed its decode rows by the batch's total keys, <see cref="VidurProfile.DecodeKvIsBatchTotal"/>, so there at the total).
/// </summary>
public sealed class VidurAttentionTable(VidurProfile attention) : IAttentionTable
{
    private readonly GridInterpolator _prefill = attention.Tables[0].Interpolator, _decode = attention.Tables[1].Interpolator;

    public VidurProfile Profile { get; } = attention;

    public double SecondsPerLayer(in BatchShape s)
    {
        double t = 0;
        if (s.PrefillTokens > 0)
        {
            double chunk = s.PrefillTokens;
            double kv = Math.Max(0, (s.PrefillAttentionPairs - 0.5 * chunk * (chunk + 1)) / chunk);
            t += _prefill.Evaluate(1, chunk, kv);
        }
        if (s.DecodeCount > 0)
            t += _decode.Evaluate(s.DecodeCount, Profile.DecodeKvIsBatchTotal ? s.DecodeContext : (double)s.DecodeContext / s.DecodeCount);
        return t;
    }
}
