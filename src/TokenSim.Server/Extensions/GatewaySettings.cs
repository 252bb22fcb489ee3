using TokenSim.Server.Sources;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The OpenAI gateway (<c>--proxy true</c>, <c>TOKENSIM_PROXY</c>; port <c>--proxy-port</c>, <c>TOKENSIM_PROXY_PORT</c>,
/// 7102): the deployment it fronts and each replica's OpenAI server, from the sources file's <c>openai</c> URLs.
/// </summary>
public sealed record GatewaySettings(string Deployment, IReadOnlyDictionary<int, Uri> Replicas, int Port)
{
    /// <summary>Null when the gateway is off; throws <see cref="ArgumentException"/> naming the flag or file at fault.</summary>
    public static GatewaySettings? From(ServerSettings settings, SourcesConfig sources, string? sourcesPath)
    {
        if (!settings.Proxy) return null;
        int port = settings.ProxyPort;
        var fronted = sources.Deployments.Where(d => d.Targets.Any(t => t.OpenAi is not null)).ToList();
        var deployment = sources.GatewayDeployment is { } name
            ? sources.Deployments.FirstOrDefault(d => d.Name == name) ?? throw new ArgumentException($"{sourcesPath}: gateway.deployment '{name}' is not one of its deployments.")
            : fronted.Count == 1 ? fronted[0]
            : throw new ArgumentException(fronted.Count == 0
                ? "--proxy needs a sources file (--sources) whose targets give the replicas' openai URLs."
                : $"{sourcesPath}: several deployments give openai URLs; name the gateway's with gateway.deployment.");
        var replicas = new Dictionary<int, Uri>();
        foreach (var t in deployment.Targets.Where(t => t.OpenAi is not null))
            if (!replicas.TryAdd(t.Replica, t.OpenAi!)) throw new ArgumentException($"{sourcesPath}: deployment '{deployment.Name}' gives replica {t.Replica} two openai URLs.");
        if (replicas.Count == 0) throw new ArgumentException($"{sourcesPath}: deployment '{deployment.Name}' has no target with an openai URL for the gateway.");
        return new GatewaySettings(deployment.Name, replicas, port);
    }
}
