using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// A decoder layer's operators by (TP degree, tokens) from a per-operator profile that records no mixed-batch
/// attention: Vidur's <c>mlp.csv</c>, LLMServingSim's v0 <c>layers.csv</c>, or AIConfigurator's GEMMs by shape
/// for a given model, named in Vidur's spelling. An operator the profile lacks is absent, and the model that reads
/// these tables fills it in.
/// </summary>
public sealed class LayerOperatorTables
{
    /// <summary>Per-layer operators in Vidur's spelling; <c>add</c> runs twice a layer (two residual adds).</summary>
    public static readonly string[] LayerOperators =
        ["input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj", "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"];

    private readonly Dictionary<string, Func<double, double, double>> _ops;

    private LayerOperatorTables(IOperatorProfile source, Dictionary<string, Func<double, double, double>> ops, IAttentionTable? attention, bool fusedResidualAdd, string? origin = null)
    {
        Source = source;
        Origin = origin ?? source.Source;
        _ops = ops;
        Attention = attention;
        FusedResidualAdd = fusedResidualAdd;
    }

    public IOperatorProfile Source { get; }
    /// <summary>Where the tables were read from, for run headers.</summary>
    public string Origin { get; }
    /// <summary>Measured attention beside the layer tables, if any.</summary>
    public IAttentionTable? Attention { get; }
    /// <summary>Whether the engine profiled fuses the residual add into the RMSNorm (vLLM's <c>fused_add_rms_norm</c>), so no add runs apart.</summary>
    public bool FusedResidualAdd { get; }
    public IEnumerable<string> Operators => _ops.Keys;

    /// <summary>The operator's time at (TP, tokens), or null when the profile does not time it.</summary>
    public Func<double, double, double>? Get(string op) => _ops.TryGetValue(op, out var f) ? f : null;

    /// <summary>The tables of <paramref name="profile"/>, or null when it is not a per-layer-operator profile.</summary>
    public static LayerOperatorTables? From(IOperatorProfile profile, VidurProfile? attention = null)
    {
        switch (profile)
        {
            case VidurProfile v when v.Kind == "mlp":
            {
                var ops = new Dictionary<string, Func<double, double, double>>(StringComparer.Ordinal);
                foreach (var t in v.Tables)
                {
                    var grid = t.Interpolator;
                    ops[t.Name[(t.Name.IndexOf(':') + 1)..]] = (tp, tokens) => grid.Evaluate(tp, tokens);
                }
                return new LayerOperatorTables(v, ops, attention is null ? null : new VidurAttentionTable(attention), fusedResidualAdd: false);
            }
            case LlmServingSimV0Profile v0:
            {
                // (tp_size, kv_cache, input); the layer operators are timed at kv_cache 0.
                Func<double, double, double>? Op(params string[] names)
                {
                    if (!names.All(v0.Layers.ContainsKey)) return null;
                    var grids = names.Select(n => v0.Layers[n]).ToArray();
                    return (tp, tokens) => grids.Sum(g => g.Evaluate(tp, 0, tokens));
                }
                var map = new Dictionary<string, string[]>
                {
                    ["input_layernorm"] = ["input_layernorm"], ["attn_pre_proj"] = ["q_proj", "k_proj", "v_proj"], ["attn_rope"] = ["rope"],
                    ["attn_post_proj"] = ["o_proj"], ["post_attention_layernorm"] = ["post_layernorm"], ["mlp_up_proj"] = ["gate_proj", "up_proj"],
                    ["mlp_act"] = ["act_fn"], ["mlp_down_proj"] = ["down_proj"], ["emb"] = ["embedding"], ["final_layernorm"] = ["final_layernorm"], ["lm_head"] = ["lm_head"],
                };
                var ops = new Dictionary<string, Func<double, double, double>>(StringComparer.Ordinal);
                foreach (var (op, names) in map)
                    if (Op(names) is { } f) ops[op] = f;
                return (v0.Attention ?? attention) is { } a
                    ? new LayerOperatorTables(v0, ops, new VidurAttentionTable(a), fusedResidualAdd: true)
                    : new LayerOperatorTables(v0, ops, null, fusedResidualAdd: true);
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// A dense model's projections from AIConfigurator's GEMMs by shape (<c>gemm_perf.csv</c> by n, k, m; a shape
    /// between grid points interpolates linearly, as GEMM time is close to linear in n and k), and its attention from
    /// the context and generation tables when given. The projections run in the model's dtype where the tables hold
    /// it (<c>fp8</c>: vLLM's W8A8 per-tensor GEMM, H100), else in bf16, which <see cref="Dtypes"/> then says; the LM
    /// head stays bf16, as vLLM leaves it unquantized in FP8 checkpoints. vLLM fuses the residual adds.
    /// </summary>
    public static LayerOperatorTables FromShapes(string origin, AIConfiguratorProfile gemm, ModelSpec m, int tp,
        AIConfiguratorProfile? context, AIConfiguratorProfile? generation, string? kvCacheDType = null)
    {
        var bf16 = GemmTable(gemm, "bfloat16") ?? gemm.Tables[0];
        string wanted = TableDType(m.DType);
        var proj = GemmTable(gemm, wanted) ?? bf16;
        string projDtype = proj.Name[(proj.Name.LastIndexOf(':') + 1)..];
        var g = proj.Interpolator;
        var head = bf16.Interpolator;
        double h = m.HiddenSize, d = m.HeadDim, H = m.NumHeads, Hkv = m.NumKvHeads, I = m.IntermediateSize;
        Func<double, double, double> Gemm(Func<double, double> n, Func<double, double> k) => (tpDeg, tokens) => g.Evaluate(n(tpDeg), k(tpDeg), tokens);
        var ops = new Dictionary<string, Func<double, double, double>>(StringComparer.Ordinal)
        {
            ["attn_pre_proj"] = Gemm(t => (H + 2 * Hkv) * d / t, _ => h),
            ["attn_post_proj"] = Gemm(_ => h, t => H * d / t),
            ["lm_head"] = (tpDeg, tokens) => head.Evaluate(m.VocabSize / tpDeg, h, tokens),
        };
        if (!m.IsMoe)
        {
            ops["mlp_up_proj"] = Gemm(t => 2 * I / t, _ => h);
            ops["mlp_down_proj"] = Gemm(_ => h, t => I / t);
        }
        var dtypes = projDtype == wanted
            ? $"gemm {projDtype}, lm_head {bf16.Name[(bf16.Name.LastIndexOf(':') + 1)..]}"
            : $"gemm {projDtype} (the tables hold no {wanted} GEMM for this {m.DType} model)";
        IAttentionTable? attention = null;
        if (context is not null && generation is not null)
        {
            var a = new AIConfiguratorAttentionTable(context, generation, Math.Max(1, m.NumHeads / tp), Math.Max(1, m.NumKvHeads / tp), m.HeadDim,
                TableDType(kvCacheDType ?? m.DType));
            attention = a;
            dtypes += $", attention {a.Table}";
        }
        return new LayerOperatorTables(gemm, ops, attention, fusedResidualAdd: true, origin) { Dtypes = dtypes };
    }

    /// <summary>Which dtype of the tables each operator was read at (AIConfigurator's tables by shape), for run headers; else null.</summary>
    public string? Dtypes { get; private init; }

    private static ProfileTable? GemmTable(AIConfiguratorProfile gemm, string dtype) =>
        gemm.Tables.FirstOrDefault(t => t.Name.EndsWith($":{dtype}", StringComparison.Ordinal));

    /// <summary>A dtype in AIConfigurator's spelling: <c>bfloat16</c> for 16-bit (fp16 runs the same tensor-core path), <c>fp8</c>.</summary>
    internal static string TableDType(string dtype) => DTypes.Normalize(dtype) switch
    {
        "bf16" or "fp16" => "bfloat16",
        var other => other,
    };
}
