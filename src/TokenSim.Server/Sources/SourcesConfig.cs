using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Sources;

/// <summary>
/// What the twin listens to in production (<c>--sources FILE</c>): each deployment's spec (registered at start when
/// given), its vLLM <c>/metrics</c> targets, and the rules that map a span's resource attributes to a deployment and
/// replica. <see cref="SourcesFile"/> reads it from YAML; docs/vllm.md documents every key.
/// </summary>
public sealed record SourcesConfig
{
    public ScrapeSettings Scrape { get; init; } = new();
    /// <summary>Span rules in order: the first whose every attribute matches the span's resource wins.</summary>
    public IReadOnlyList<SpanRule> SpanRules { get; init; } = [];
    public IReadOnlyList<SourceDeployment> Deployments { get; init; } = [];
    /// <summary>The deployment the gateway (<c>--proxy true</c>) fronts; null: the one whose targets give <c>openai</c> URLs.</summary>
    public string? GatewayDeployment { get; init; }

    public static readonly SourcesConfig Empty = new();
}

/// <summary>How often targets are scraped, how long one may take, and when a target without a good scrape is stale.</summary>
public sealed record ScrapeSettings
{
    public double IntervalSeconds { get; init; } = 1;
    /// <summary>Null: the interval.</summary>
    public double? TimeoutSeconds { get; init; }
    /// <summary>Null: three intervals.</summary>
    public double? StaleAfterSeconds { get; init; }

    public double Timeout => TimeoutSeconds ?? IntervalSeconds;
    public double StaleAfter => StaleAfterSeconds ?? 3 * IntervalSeconds;
}

/// <summary>Spans whose resource carries every one of <see cref="Match"/>'s attributes (string form) belong to this replica.</summary>
public sealed record SpanRule(IReadOnlyDictionary<string, string> Match, string Deployment, int Replica);

/// <summary>A deployment the sources feed; <see cref="Spec"/>, when given, is registered when the server starts.</summary>
public sealed record SourceDeployment
{
    public required string Name { get; init; }
    public TwinDeploymentSpec? Spec { get; init; }
    public IReadOnlyList<ScrapeTarget> Targets { get; init; } = [];
}

/// <summary>
/// One vLLM API server's <c>/metrics</c>. Its engine <c>k</c> (the <c>engine</c> label, vLLM's data-parallel rank) is
/// the deployment's replica <see cref="Replica"/> + k, unless <see cref="Engines"/> maps it explicitly.
/// </summary>
public sealed record ScrapeTarget
{
    public required string Deployment { get; init; }
    public required Uri Url { get; init; }
    public int Replica { get; init; }
    public IReadOnlyDictionary<string, int>? Engines { get; init; }
    /// <summary>The server's OpenAI API (<c>vllm serve</c>'s base URL), which the gateway forwards to; null if not behind it.</summary>
    public Uri? OpenAi { get; init; }
    /// <summary>Replica <see cref="Replica"/>'s KV-event publisher (vLLM's <c>--kv-events-config</c>), or null.</summary>
    public TokenSim.Twin.Abstractions.KvSourceOptions? KvEvents { get; init; }

    /// <summary>The replica of an <c>engine</c> label value, or null when the target does not map it.</summary>
    public int? ReplicaOf(string engine)
    {
        if (Engines is not null) return Engines.TryGetValue(engine, out int r) ? r : null;
        return int.TryParse(engine, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) ? Replica + k : null;
    }
}
