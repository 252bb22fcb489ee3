namespace TokenSim.Core.Entities;

/// <summary>
/// A decoder-only transformer as the simulator sees it: the shapes that set FLOPs, weight bytes and KV bytes.
/// Read from a Hugging Face <c>config.json</c> (<see cref="HuggingFaceConfigReader"/>) or the built-in <see cref="ModelCatalog"/>.
/// </summary>
public sealed record ModelSpec
{
    public required string Name { get; init; }
    public string? HuggingFaceId { get; init; }
    public required int NumLayers { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumHeads { get; init; }
    /// <summary>Key/value heads (GQA); equals <see cref="NumHeads"/> for multi-head attention.</summary>
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    /// <summary>Dense MLP width; for MoE models without a separate expert width, also the expert width.</summary>
    public required int IntermediateSize { get; init; }
    public required int VocabSize { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Routed experts per MoE layer; 0 for a dense model.</summary>
    public int NumExperts { get; init; }
    public int ExpertsPerToken { get; init; }
    public int MoeIntermediateSize { get; init; }
    /// <summary>Keys a sliding-window layer attends to (gpt-oss: 128); 0 = every layer attends to the whole context.</summary>
    public int SlidingWindow { get; init; }
    /// <summary>Layers that attend through <see cref="SlidingWindow"/> (config.json <c>layer_types</c> entries "sliding_attention").</summary>
    public int SlidingWindowLayers { get; init; }
    public string DType { get; init; } = "bfloat16";
    public int MaxPositionEmbeddings { get; init; } = 4096;

    public bool IsMoe => NumExperts > 0;
    public int DTypeBytes => DTypes.Bytes(DType);
    public int ExpertWidth => MoeIntermediateSize > 0 ? MoeIntermediateSize : IntermediateSize;

    /// <summary>Attention projection parameters of one layer (Q, K, V, O).</summary>
    public long AttentionParamsPerLayer =>
        (long)HiddenSize * NumHeads * HeadDim * 2 + (long)HiddenSize * NumKvHeads * HeadDim * 2;

    /// <summary>MLP parameters of one layer: gate, up and down for each expert (all of them), plus the router.</summary>
    public long MlpParamsPerLayer => IsMoe
        ? (long)NumExperts * 3 * HiddenSize * ExpertWidth + (long)HiddenSize * NumExperts
        : 3L * HiddenSize * IntermediateSize;

    public long EmbeddingParams => (long)VocabSize * HiddenSize * (TieWordEmbeddings ? 1 : 2);

    public long ParameterCount =>
        NumLayers * (AttentionParamsPerLayer + MlpParamsPerLayer + 2L * HiddenSize) + EmbeddingParams + HiddenSize;

    /// <summary>Weight bytes held by one GPU under tensor parallelism <paramref name="tp"/> and pipeline parallelism <paramref name="pp"/>.</summary>
    /// <remarks>
    /// With expert parallelism over <paramref name="ep"/> GPUs (vLLM <c>enable_expert_parallel</c>: EP = TP × DP),
    /// each GPU holds whole experts, E / EP of them, instead of a 1/TP slice of every expert.
    /// </remarks>
    public long WeightBytesPerGpu(int tp, int pp, int ep = 1)
    {
        long layers = (long)Math.Ceiling(NumLayers / (double)pp);
        long mlp = IsMoe && ep > 1
            ? (long)NumExperts * 3 * HiddenSize * ExpertWidth / ep + (long)HiddenSize * NumExperts
            : MlpParamsPerLayer / tp;
        long perLayer = AttentionParamsPerLayer / tp + mlp + 2L * HiddenSize;
        // vLLM shards embedding and LM head over TP ranks (vocab parallel); with PP, the first stage holds
        // the embedding and the last the LM head, so the largest stage holds at most both.
        long embed = EmbeddingParams / tp;
        // 4-bit weights are stored two a byte plus their block scales (DTypes.WeightBytes), not the one byte DTypeBytes rounds to.
        return (long)Math.Ceiling((layers * perLayer + embed) * DTypes.WeightBytes(DType));
    }

    /// <summary>KV heads one TP rank stores: vLLM replicates heads when TP exceeds them.</summary>
    public int KvHeadsPerRank(int tp) => Math.Max(1, NumKvHeads / tp);

    /// <summary>KV-cache bytes of one token in one layer on one TP rank (K and V).</summary>
    public long KvBytesPerTokenPerLayer(int tp, int kvDTypeBytes) => 2L * KvHeadsPerRank(tp) * HeadDim * kvDTypeBytes;
}
