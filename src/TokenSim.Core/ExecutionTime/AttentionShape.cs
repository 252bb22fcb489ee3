namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// One layer's attention on one rank, as a kernel sees it: the heads it holds, and the batch's prefill chunks and
/// decodes in aggregate (<see cref="Simulation.BatchShape"/> keeps no per-chunk list).
/// </summary>
/// <param name="QueryHeads">Query heads on this rank.</param>
/// <param name="KvHeads">KV heads on this rank (at least one: a KV head is replicated when TP exceeds them).</param>
/// <param name="HeadDim">Head dimension.</param>
/// <param name="ActivationBytes">Bytes per element of Q and O.</param>
/// <param name="KvBytes">Bytes per element of the KV cache.</param>
/// <param name="PrefillChunks">Prefill chunks in the kernel.</param>
/// <param name="PrefillTokens">Their query tokens, summed.</param>
/// <param name="PrefillPairs">Causal query×key pairs, summed: a chunk of n after c cached tokens has n·c + n(n+1)/2.</param>
/// <param name="PrefillKvRead">KV tokens the chunks read, summed (cached context plus the chunk).</param>
/// <param name="Decodes">Decoding sequences (one query token each).</param>
/// <param name="DecodeContext">KV tokens the decodes read, summed.</param>
public readonly record struct AttentionShape(
    double QueryHeads, double KvHeads, double HeadDim, double ActivationBytes, double KvBytes,
    double PrefillChunks, double PrefillTokens, double PrefillPairs, double PrefillKvRead,
    double Decodes, double DecodeContext)
{
    /// <summary>Query×key pairs of all chunks and decodes.</summary>
    public double Pairs => PrefillPairs + DecodeContext;

    /// <summary><paramref name="count"/> equal chunks of <paramref name="chunk"/> query tokens after <paramref name="cached"/> KV tokens, plus <paramref name="decodes"/> decodes at <paramref name="kvDecode"/>.</summary>
    public static AttentionShape Of(double queryHeads, double kvHeads, double headDim, double activationBytes, double kvBytes,
        double count, double chunk, double cached, double decodes, double kvDecode) =>
        new(queryHeads, Math.Max(1, kvHeads), headDim, activationBytes, kvBytes,
            chunk > 0 ? count : 0, count * chunk, count * (chunk * cached + chunk * (chunk + 1) / 2), chunk > 0 ? count * (cached + chunk) : 0,
            decodes, decodes * kvDecode);
}
