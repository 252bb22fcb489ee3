using System.Globalization;
using TokenSim.Core.Yaml;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// Reads a scenario timeline from YAML (docs/scenarios.md): <c>events:</c>, a list of mappings each with
/// <c>at</c>, <c>event</c> and the event's fields, and an optional <c>autoscale:</c> mapping. Read into <see cref="ScenarioYaml"/>
/// records through YamlDotNet's deserializer (<see cref="YamlRecords"/>), then checked here, so every error names the
/// file and line in one sentence.
/// </summary>
public static class ScenarioReader
{
    private static readonly Dictionary<string, ScenarioEventKind> Kinds = new()
    {
        ["replica-lost"] = ScenarioEventKind.ReplicaLost, ["replica-added"] = ScenarioEventKind.ReplicaAdded,
        ["straggler"] = ScenarioEventKind.Straggler, ["kv-loss"] = ScenarioEventKind.KvLoss, ["slow-link"] = ScenarioEventKind.SlowLink,
        ["rate"] = ScenarioEventKind.Rate, ["lengths"] = ScenarioEventKind.Lengths, ["router"] = ScenarioEventKind.Router,
    };

    /// <summary>The fields each kind takes besides <c>at</c> and <c>event</c>.</summary>
    private static readonly Dictionary<ScenarioEventKind, string[]> Fields = new()
    {
        [ScenarioEventKind.ReplicaLost] = ["replica", "requests"],
        [ScenarioEventKind.ReplicaAdded] = ["startup-s", "pool"],
        [ScenarioEventKind.Straggler] = ["replica", "factor", "until"],
        [ScenarioEventKind.KvLoss] = ["replica", "fraction", "until"],
        [ScenarioEventKind.SlowLink] = ["replica", "factor", "until"],
        [ScenarioEventKind.Rate] = ["multiplier", "until"],
        [ScenarioEventKind.Lengths] = ["prompt", "output", "until"],
        [ScenarioEventKind.Router] = ["router"],
    };

    public static Scenario ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--scenario: '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static Scenario Parse(string yaml, string source)
    {
        var root = YamlRecords.Parse<ScenarioYaml>(yaml, source, (message, e) => new FormatException(message, e));
        if (root is not { Shape: YamlShape.Mapping })
            throw new FormatException($"{source}: a scenario is a mapping with 'events:' (a list) and/or 'autoscale:'.");
        var events = new List<ScenarioEvent>();
        AutoscalePolicy? autoscale = null;
        // In file order, as errors were always found.
        foreach (string key in root.Keys)
        {
            if (key == "events")
            {
                var list = root.Events!;
                if (list.Shape != YamlShape.Sequence) throw new FormatException($"{source}:{list.Line}: 'events' must be a list of events.");
                events.AddRange(list.Items.Select(n => Event(n, source)));
            }
            else autoscale = Autoscale(root.Autoscale!, source);
        }
        return new Scenario(events.OrderBy(e => e.At).ToArray(), autoscale, source);
    }

    private static ScenarioEvent Event(ScenarioYaml.EventYaml node, string source)
    {
        if (node.Shape != YamlShape.Mapping)
            throw new FormatException($"{source}:{node.Line}: an event must be a mapping such as '{{at: 60, event: replica-lost, replica: 1}}'.");
        int line = node.Line;
        var values = ScenarioValues.Of(node, k => node[k], source);
        if (!values.TryGetValue("event", out var kindText))
            throw new FormatException($"{source}:{line}: the event has no 'event:' (one of {string.Join(", ", Kinds.Keys)}).");
        if (!Kinds.TryGetValue(kindText.Value, out var kind))
            throw new FormatException($"{source}:{kindText.Line}: unknown event '{kindText.Value}'{ScenarioYaml.Hint(kindText.Value, Kinds.Keys)}. Known: {string.Join(", ", Kinds.Keys)}.");
        foreach (string name in node.Keys)
            if (name is not ("at" or "event") && !Fields[kind].Contains(name))
                throw new FormatException($"{source}:{node.LineOf(name)}: '{kindText.Value}' takes no '{name}'{ScenarioYaml.Hint(name, Fields[kind])}. It takes: at, {string.Join(", ", Fields[kind])}.");
        double at = Number(values, "at", source, line, required: true, min: 0);
        var e = new ScenarioEvent(kind, at) { Line = line };
        double until = Number(values, "until", source, line, double.PositiveInfinity);
        if (!(until > at)) throw new FormatException($"{source}:{values["until"].Line}: 'until: {values["until"].Value}' must be after 'at: {at.ToString(CultureInfo.InvariantCulture)}'.");
        e = e with { Until = until };
        if (Fields[kind].Contains("replica")) e = e with { Replica = (int)Number(values, "replica", source, line, required: true, min: 0, integer: true) };
        switch (kind)
        {
            case ScenarioEventKind.ReplicaLost:
                string requests = values.TryGetValue("requests", out var rq) ? rq.Value : "reroute";
                if (requests is not ("reroute" or "fail"))
                    throw new FormatException($"{source}:{rq.Line}: 'requests: {requests}' must be reroute (they prefill again on another replica) or fail.");
                e = e with { FailRequests = requests == "fail" };
                break;
            case ScenarioEventKind.ReplicaAdded:
                if (values.ContainsKey("startup-s")) e = e with { StartupSeconds = Number(values, "startup-s", source, line, min: 0) };
                e = e with { Decode = Pool(values, source) };
                break;
            case ScenarioEventKind.Straggler or ScenarioEventKind.SlowLink:
                e = e with { Factor = Positive(values, "factor", source, line, required: true) };
                break;
            case ScenarioEventKind.Rate:
                e = e with { Factor = Positive(values, "multiplier", source, line, required: true) };
                break;
            case ScenarioEventKind.KvLoss:
                double f = Number(values, "fraction", source, line, required: true, min: 0);
                if (f > 1) throw new FormatException($"{source}:{values["fraction"].Line}: 'fraction' must be 0 to 1 (got {values["fraction"].Value}).");
                e = e with { Fraction = f };
                break;
            case ScenarioEventKind.Lengths:
                e = e with { PromptScale = Positive(values, "prompt", source, line, 1), OutputScale = Positive(values, "output", source, line, 1) };
                break;
            case ScenarioEventKind.Router:
                e = e with { Router = values.TryGetValue("router", out var r) ? r.Value : throw new FormatException($"{source}:{line}: 'router' event needs 'router: NAME'.") };
                break;
        }
        return e;
    }

    private static AutoscalePolicy Autoscale(ScenarioYaml.AutoscaleYaml node, string source)
    {
        if (node.Shape != YamlShape.Mapping)
            throw new FormatException($"{source}:{node.Line}: 'autoscale' must be a mapping (metric, up, down, min_replicas, max_replicas, ...).");
        int line = node.Line;
        var values = ScenarioValues.Of(node, k => node[k], source);
        var metric = !values.TryGetValue("metric", out var m) ? AutoscaleMetric.Waiting : m.Value switch
        {
            "waiting" => AutoscaleMetric.Waiting,
            "kv" => AutoscaleMetric.Kv,
            "queue-delay" or "queue_delay" => AutoscaleMetric.QueueDelay,
            _ => throw new FormatException($"{source}:{m.Line}: 'metric: {m.Value}' must be waiting, kv or queue-delay."),
        };
        var p = new AutoscalePolicy
        {
            Metric = metric, Line = line,
            Up = Number(values, "up", source, line, required: true, min: 0),
            Down = Number(values, "down", source, line, required: true, min: 0),
            MinReplicas = (int)Number(values, "min-replicas", source, line, 1, min: 1, integer: true),
            MaxReplicas = (int)Number(values, "max-replicas", source, line, required: true, min: 1, integer: true),
            IntervalSeconds = Positive(values, "interval-s", source, line, 10),
            UpCooldownSeconds = Number(values, "up-cooldown-s", source, line, 60, min: 0),
            DownCooldownSeconds = Number(values, "down-cooldown-s", source, line, 300, min: 0),
            StartupSeconds = values.ContainsKey("startup-s") ? Number(values, "startup-s", source, line, min: 0) : null,
            Decode = Pool(values, source),
        };
        // Requests waiting on a decode replica were admitted on a prefill replica already: none has a queue delay there.
        if (p.Decode && p.Metric == AutoscaleMetric.QueueDelay)
            throw new FormatException($"{source}:{values["pool"].Line}: 'metric: queue-delay' reads requests not yet admitted, which wait on the prefill pool; scale the decode pool on waiting or kv.");
        if (p.Down >= p.Up) throw new FormatException($"{source}:{values["down"].Line}: autoscale 'down' ({values["down"].Value}) must be below 'up' ({values["up"].Value}), or it would scale both ways at once.");
        if (p.MinReplicas > p.MaxReplicas) throw new FormatException($"{source}:{values["min-replicas"].Line}: autoscale 'min_replicas' must not exceed 'max_replicas'.");
        return p;
    }

    /// <summary><c>pool: prefill</c> (the default: the entry pool) or <c>decode</c>; true for decode.</summary>
    private static bool Pool(ScenarioValues values, string source)
    {
        if (!values.TryGetValue("pool", out var v)) return false;
        return v.Value switch
        {
            "prefill" => false,
            "decode" => true,
            _ => throw new FormatException($"{source}:{v.Line}: 'pool: {v.Value}' must be prefill or decode."),
        };
    }

    private static double Number(ScenarioValues values, string name, string source, int line,
        double fallback = double.NaN, bool required = false, double min = double.NegativeInfinity, bool integer = false)
    {
        if (!values.TryGetValue(name, out var v))
            return required ? throw new FormatException($"{source}:{line}: '{name}' is missing.") : fallback;
        if (!double.TryParse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x) || (integer && x != Math.Floor(x)))
            throw new FormatException($"{source}:{v.Line}: '{name}: {v.Value}' must be {(integer ? "an integer" : "a number")}.");
        if (x < min) throw new FormatException($"{source}:{v.Line}: '{name}: {v.Value}' must be at least {min.ToString(CultureInfo.InvariantCulture)}.");
        return x;
    }

    private static double Positive(ScenarioValues values, string name, string source, int line, double fallback = double.NaN, bool required = false)
    {
        double x = Number(values, name, source, line, fallback, required);
        return x > 0 ? x : throw new FormatException($"{source}:{values[name].Line}: '{name}: {values[name].Value}' must be above 0.");
    }
}
