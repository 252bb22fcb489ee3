namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// A decoder layer's operators by (TP degree, tokens) from a per-operator profile that records no mixed-batch
/// attention: Vidur's <c>mlp.csv</c> or LLMServingSim's v0 <c>layers.csv</c>, named in Vidur's spelling. An operator
/// the profile lacks is absent, and the model that reads these tables fills it in.
/// </summary>
public sealed class LayerOperatorTables
{
    /// <summary>Per-layer operators in Vidur's spelling; <c>add</c> runs twice a layer (two residual adds).</summary>
    public static readonly string[] LayerOperators =
        ["input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj", "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"];

    private readonly Dictionary<string, Func<double, double, double>> _ops;

    private LayerOperatorTables(IOperatorProfile source, Dictionary<string, Func<double, double, double>> ops, VidurProfile? attention, bool fusedResidualAdd)
    {
        Source = source;
        _ops = ops;
        Attention = attention;
        FusedResidualAdd = fusedResidualAdd;
    }

    public IOperatorProfile Source { get; }
    /// <summary>A Vidur-format attention table beside the layer tables (prefill by batch, chunk, KV; decode by batch, KV), if any.</summary>
    public VidurProfile? Attention { get; }
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
                return new LayerOperatorTables(v, ops, attention, fusedResidualAdd: false);
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
                return new LayerOperatorTables(v0, ops, v0.Attention ?? attention, fusedResidualAdd: true);
            }
            default:
                return null;
        }
    }
}
