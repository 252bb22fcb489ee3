using System.Globalization;
using OpenTelemetry.Proto.Common.V1;

namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// Which deployment and replica a span's resource belongs to: the first rule of the sources file whose every
/// attribute the resource carries with that value, else the resource's own <c>tokensim.deployment</c> and
/// <c>tokensim.replica</c> attributes (set with <c>OTEL_RESOURCE_ATTRIBUTES</c>, no change to vLLM). Attributes the
/// rules do not name are ignored.
/// </summary>
public sealed class SpanRouter(IReadOnlyList<SpanRule> rules)
{
    public const string DeploymentAttribute = "tokensim.deployment";
    public const string ReplicaAttribute = "tokensim.replica";

    public (string Deployment, int Replica)? Route(IReadOnlyDictionary<string, string> resource)
    {
        foreach (var rule in rules)
        {
            bool all = true;
            foreach (var (k, v) in rule.Match)
                if (!resource.TryGetValue(k, out var got) || got != v) { all = false; break; }
            if (all) return (rule.Deployment, rule.Replica);
        }
        if (!resource.TryGetValue(DeploymentAttribute, out var deployment) || deployment.Length == 0) return null;
        if (!resource.TryGetValue(ReplicaAttribute, out var r)) return (deployment, 0);
        return int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int replica) ? (deployment, replica) : null;
    }

    /// <summary>A resource's attributes in string form (strings, integers, booleans, doubles); arrays, maps and bytes are left out.</summary>
    public static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in attributes)
        {
            string? text = kv.Value?.ValueCase switch
            {
                AnyValue.ValueOneofCase.StringValue => kv.Value.StringValue,
                AnyValue.ValueOneofCase.IntValue => kv.Value.IntValue.ToString(CultureInfo.InvariantCulture),
                AnyValue.ValueOneofCase.BoolValue => kv.Value.BoolValue ? "true" : "false",
                AnyValue.ValueOneofCase.DoubleValue => kv.Value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (text is not null) d[kv.Key] = text;
        }
        return d;
    }
}
