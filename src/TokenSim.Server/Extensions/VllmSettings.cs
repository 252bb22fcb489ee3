using System.Text.Json;
using TokenSim.Twin.Kv;

namespace TokenSim.Server.Extensions;

/// <summary>One vLLM engine of the production deployment: its OpenAI server and where its KV events come from.</summary>
/// <param name="Index">Its replica index in the twin (its position in the file).</param>
/// <param name="Url">Its OpenAI-compatible server (what <c>vllm serve</c> listens on), or null.</param>
/// <param name="KvEvents">Its KV-event publisher, or null when it publishes none.</param>
public sealed record VllmReplica(int Index, Uri? Url, KvSourceOptions? KvEvents);

/// <summary>
/// The production vLLM deployment the twin listens to (<c>--vllm FILE</c>, <c>TOKENSIM_VLLM</c>), and the gateway in
/// front of it (<c>--proxy true</c>, <c>TOKENSIM_PROXY</c>; port <c>--proxy-port</c>, <c>TOKENSIM_PROXY_PORT</c>, 7102).
/// The file is JSON:
/// <code>
/// {"deployment": "prod",
///  "replicas": [{"url": "http://10.0.0.5:8000",
///                "kv_events": {"endpoint": "tcp://10.0.0.5:5557", "replay_endpoint": "tcp://10.0.0.5:5558", "topic": "kv-events"}}]}
/// </code>
/// <c>kv_events.bind</c> (default false) makes the twin bind its SUB socket, for a vLLM whose endpoint names the
/// twin's host (vLLM then connects).
/// </summary>
public sealed record VllmSettings(string Deployment, VllmReplica[] Replicas, int? ProxyPort)
{
    public const int DefaultProxyPort = 7102;

    /// <summary>Null when no file is given; throws <see cref="ArgumentException"/> naming the file and field at fault.</summary>
    public static VllmSettings? From(IConfiguration config)
    {
        string? Get(string key, string env) => config[$"TokenSim:{key}"] ?? Environment.GetEnvironmentVariable(env);
        var file = Get("Vllm", "TOKENSIM_VLLM");
        var proxy = Get("Proxy", "TOKENSIM_PROXY");
        bool proxyOn = proxy switch
        {
            null or "" or "false" or "False" => false,
            "true" or "True" => true,
            _ => throw new ArgumentException($"--proxy / TOKENSIM_PROXY must be true or false (got '{proxy}')."),
        };
        var portText = Get("ProxyPort", "TOKENSIM_PROXY_PORT");
        int port = DefaultProxyPort;
        if (portText is not null && !(int.TryParse(portText, out port) && port is > 0 and < 65536))
            throw new ArgumentException($"--proxy-port / TOKENSIM_PROXY_PORT must be a TCP port from 1 to 65535 (got '{portText}').");
        if (string.IsNullOrWhiteSpace(file))
            return proxyOn ? throw new ArgumentException("--proxy needs --vllm FILE naming the replicas to forward to.") : null;
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ArgumentException($"--vllm {file}: cannot read it ({e.Message})."); }
        var settings = Parse(text, file);
        if (proxyOn && settings.Replicas.Any(r => r.Url is null))
            throw new ArgumentException($"--vllm {file}: with --proxy every replica needs a url (replica {settings.Replicas.First(r => r.Url is null).Index} has none).");
        return settings with { ProxyPort = proxyOn ? port : null };
    }

    public static VllmSettings Parse(string json, string file)
    {
        ArgumentException Bad(string what) => new($"--vllm {file}: {what}.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad($"not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("must be a JSON object");
            string deployment = root.TryGetProperty("deployment", out var d) && d.ValueKind == JsonValueKind.String && d.GetString() is { Length: > 0 } name
                ? name : throw Bad("deployment must be the name of a registered deployment (a string)");
            if (!root.TryGetProperty("replicas", out var reps) || reps.ValueKind != JsonValueKind.Array || reps.GetArrayLength() == 0)
                throw Bad("replicas must be a non-empty list");
            var replicas = new List<VllmReplica>();
            int i = 0;
            foreach (var r in reps.EnumerateArray())
            {
                string at = $"replicas[{i}]";
                if (r.ValueKind != JsonValueKind.Object) throw Bad($"{at} must be an object");
                Uri? url = null;
                if (r.TryGetProperty("url", out var u))
                    url = u.ValueKind == JsonValueKind.String && Uri.TryCreate(u.GetString(), UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
                        ? parsed : throw Bad($"{at}.url must be an http(s) URL (got {u.GetRawText()})");
                KvSourceOptions? kv = null;
                if (r.TryGetProperty("kv_events", out var k) && k.ValueKind != JsonValueKind.Null)
                {
                    if (k.ValueKind != JsonValueKind.Object) throw Bad($"{at}.kv_events must be an object");
                    string endpoint = Str(k, "endpoint") ?? throw Bad($"{at}.kv_events.endpoint is required (tcp://HOST:PORT)");
                    if (!endpoint.StartsWith("tcp://", StringComparison.Ordinal) && !endpoint.StartsWith("inproc://", StringComparison.Ordinal))
                        throw Bad($"{at}.kv_events.endpoint '{endpoint}' must start with tcp:// (ipc:// is not supported by NetMQ)");
                    bool bind = k.TryGetProperty("bind", out var b) && (b.ValueKind == JsonValueKind.True || (b.ValueKind != JsonValueKind.False ? throw Bad($"{at}.kv_events.bind must be true or false") : false));
                    kv = new KvSourceOptions(endpoint, bind, Str(k, "replay_endpoint"), Str(k, "topic") ?? "");
                }
                replicas.Add(new VllmReplica(i, url, kv));
                i++;
            }
            return new VllmSettings(deployment, [.. replicas], null);

            string? Str(JsonElement o, string field) => !o.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null ? null
                : v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad($"{field} must be a string (got {v.GetRawText()})");
        }
    }
}
