using System.Globalization;
using TokenSim.Core.Simulation;
using TokenSim.Planning;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Cli.Commands;

/// <summary>
/// A capacity plan: shared <c>simulate</c> options, traffic, SLOs, candidates and GPU prices.
/// <code>
/// base: {model: llama-3.1-8b, max-model-len: 8192}
/// traffic: {rate: 20, duration_s: 600, lengths: azure-conv, growth: 1}   # or workload: SPEC | trace: FILE | live: {deployment: NAME, window_s: 600}
/// slo: {percentile: 0.99, ttft_s: 0.5, tpot_s: 0.05}                     # or attainment: 0.9 (goodput)
/// candidates: {hardware: [a100-80g, h100-sxm], tp: [1, 2], replicas: {min: 1, max: 10}, scheduler: [vllm-v1]}
/// cost_per_gpu_hour: {a100-80g: 1.8, h100-sxm: 3.2}
/// </code>
/// Every error names the file, the line and the field.
/// </summary>
internal sealed record PlanConfig(
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> BaseOptions,
    PlanConfig.TrafficSource Traffic,
    double Growth,
    Slo Slo,
    CandidateSpace Candidates)
{
    /// <summary>An autoscaling policy's thresholds to search instead of fleets (<see cref="AutoscalePlanConfig"/>).</summary>
    public AutoscaleSearch? Autoscale { get; init; }
    public string? AutoscalePlot { get; init; }

    /// <summary>Where the traffic comes from: <see cref="Workload"/> (a spec or trace file, drawn here) or a deployment's live window.</summary>
    public sealed record TrafficSource(string? Workload, string? LiveDeployment, double LiveWindowSeconds, string Description);

    public static PlanConfig Read(string path)
    {
        var root = YamlConfig.Load(path) ?? throw new FormatException($"{path}: the plan config is empty.");
        var options = new List<KeyValuePair<string, string>>();
        TrafficSource? traffic = null;
        double growth = 1;
        Slo? slo = null;
        var cost = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        YamlMappingNode? candidates = null;
        (AutoscaleSearch Search, string? Plot)? autoscale = null;
        int candidatesLine = 0, costLine = 0;
        foreach (var (k, v) in root.Children)
        {
            string key = Key(k);
            int line = Line(k);
            switch (key)
            {
                case "base":
                    foreach (var (bk, bv) in Map(v, path, line, key).Children)
                    {
                        var pair = new KeyValuePair<string, string>(Key(bk), Scalar(bv, path, Line(bk), $"base.{Key(bk)}"));
                        try { PlanProblem.BaseSettings([.. options, pair]); }
                        catch (Exception e) when (e is ArgumentException or FormatException)
                        {
                            throw new FormatException($"{path}:{Line(bk)}: {e.Message}", e);
                        }
                        options.Add(pair);
                    }
                    break;
                case "traffic": (traffic, growth) = ReadTraffic(Map(v, path, line, key), path); break;
                case "slo": slo = ReadSlo(Map(v, path, line, key), path, line); break;
                case "candidates": candidates = Map(v, path, line, key); candidatesLine = line; break;
                case "cost_per_gpu_hour":
                    costLine = line;
                    foreach (var (ck, cv) in Map(v, path, line, key).Children)
                        cost[Key(ck)] = Number(cv, path, Line(ck), $"cost_per_gpu_hour.{Key(ck)}", positive: true);
                    break;
                case "autoscale": autoscale = AutoscalePlanConfig.Read(Map(v, path, line, key), path); break;
                default: throw new FormatException($"{path}:{line}: unknown plan key '{key}'. Known: base, traffic, slo, candidates, cost_per_gpu_hour, autoscale.");
            }
        }
        if (traffic is null) throw new FormatException($"{path}: 'traffic' is missing: give rate/duration_s, workload, trace or live.");
        if (slo is null) throw new FormatException($"{path}: 'slo' is missing: give ttft_s and/or tpot_s.");
        if (candidates is null) throw new FormatException($"{path}: 'candidates' is missing: give hardware, tp, replicas and scheduler.");
        var space = ReadCandidates(candidates, cost, path, candidatesLine, costLine);
        if (autoscale is not null && space.Count != space.MaxReplicas - space.MinReplicas + 1)
            throw new FormatException($"{path}:{candidatesLine}: with autoscale, candidates name one deployment (one hardware, one tp, one scheduler): the policy's thresholds are what is searched.");
        return new PlanConfig(path, options, traffic, growth, slo, space) { Autoscale = autoscale?.Search, AutoscalePlot = autoscale?.Plot };
    }

    /// <summary>The traffic drawn here (a workload spec or a trace file); a live window is the server's to read.</summary>
    public Planning.Traffic DrawTraffic()
    {
        if (Traffic.Workload is null) throw new ArgumentException($"{Path}: traffic.live is a deployment's window on a twin server; plan it with --server, not --offline.");
        var settings = PlanProblem.BaseSettings(BaseOptions);
        try
        {
            return Planning.Traffic.FromWorkload(Traffic.Workload, PlanProblem.MaxModelLen(settings), settings.Seed);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Path}: traffic: {e.Message}", e);
        }
    }

    private static (TrafficSource, double) ReadTraffic(YamlMappingNode map, string path)
    {
        string? workload = null, trace = null, lengths = null, live = null;
        double? rate = null, duration = null;
        double window = 0, growth = 1;
        int firstLine = Line(map);
        foreach (var (k, v) in map.Children)
        {
            string key = Key(k), field = $"traffic.{Key(k)}";
            int line = Line(k);
            switch (key)
            {
                case "workload": workload = Scalar(v, path, line, field); break;
                case "trace": trace = Scalar(v, path, line, field); break;
                case "rate": rate = Number(v, path, line, field, positive: true); break;
                case "duration_s": duration = Number(v, path, line, field, positive: true); break;
                case "lengths": lengths = Scalar(v, path, line, field); break;
                case "growth": growth = Number(v, path, line, field, positive: true); break;
                case "live":
                    foreach (var (lk, lv) in Map(v, path, line, field).Children)
                    {
                        switch (Key(lk))
                        {
                            case "deployment": live = Scalar(lv, path, Line(lk), "traffic.live.deployment"); break;
                            case "window_s": window = Number(lv, path, Line(lk), "traffic.live.window_s", positive: true); break;
                            default: throw new FormatException($"{path}:{Line(lk)}: unknown key 'traffic.live.{Key(lk)}'. Known: deployment, window_s.");
                        }
                    }
                    if (live is null) throw new FormatException($"{path}:{line}: traffic.live.deployment is missing.");
                    break;
                default: throw new FormatException($"{path}:{line}: unknown key '{field}'. Known: rate, duration_s, lengths, workload, trace, live, growth.");
            }
        }
        int sources = (workload is null ? 0 : 1) + (trace is null ? 0 : 1) + (live is null ? 0 : 1) + (rate is null && duration is null ? 0 : 1);
        if (sources != 1)
            throw new FormatException($"{path}:{firstLine}: traffic needs exactly one source: rate with duration_s, workload, trace or live (got {sources}).");
        if (rate is not null || duration is not null)
        {
            if (rate is null || duration is null) throw new FormatException($"{path}:{firstLine}: traffic.rate and traffic.duration_s go together.");
            long n = Math.Max(1, (long)Math.Round(rate.Value * duration.Value));
            string lengthArgs = lengths is null ? "" : lengths.Contains('=') ? "," + lengths : $",lengths={lengths}";
            workload = FormattableString.Invariant($"poisson:rate={rate},n={n}{lengthArgs}");
        }
        else if (lengths is not null) throw new FormatException($"{path}:{firstLine}: traffic.lengths goes with rate and duration_s.");
        workload ??= trace;
        return (new TrafficSource(workload, live, window, workload ?? $"live window of {live}"), growth);
    }

    private static Slo ReadSlo(YamlMappingNode map, string path, int sloLine)
    {
        var slo = new Slo();
        foreach (var (k, v) in map.Children)
        {
            string key = Key(k), field = $"slo.{Key(k)}";
            int line = Line(k);
            slo = key switch
            {
                "ttft_s" => slo with { TtftSeconds = Number(v, path, line, field, positive: true) },
                "tpot_s" => slo with { TpotSeconds = Number(v, path, line, field, positive: true) },
                "percentile" => slo with { Percentile = Number(v, path, line, field, positive: true) },
                "attainment" => slo with { Attainment = Number(v, path, line, field, positive: true) },
                _ => throw new FormatException($"{path}:{line}: unknown key '{field}'. Known: ttft_s, tpot_s, percentile, attainment."),
            };
        }
        try { slo.Validate(); }
        catch (ArgumentException e) { throw new FormatException($"{path}:{sloLine}: {e.Message}", e); }
        return slo;
    }

    private static CandidateSpace ReadCandidates(YamlMappingNode map, Dictionary<string, double> cost, string path, int line, int costLine)
    {
        List<string> hardware = [], scheduler = ["vllm-v1"];
        List<int> tp = [1];
        int min = 1, max = 0;
        bool sawReplicas = false;
        var lines = new Dictionary<string, int>();
        foreach (var (k, v) in map.Children)
        {
            string key = Key(k), field = $"candidates.{Key(k)}";
            int at = Line(k);
            lines[key == "tp" ? "tensor_parallel" : key] = at;
            switch (key)
            {
                case "hardware": hardware = List(v, path, at, field); break;
                case "scheduler": scheduler = List(v, path, at, field); break;
                case "tp": tp = [.. List(v, path, at, field).Select(x => Int(x, path, at, field))]; break;
                case "replicas":
                    sawReplicas = true;
                    if (v is YamlScalarNode single) min = max = Int(single.Value ?? "", path, at, field);
                    else
                        foreach (var (rk, rv) in Map(v, path, at, field).Children)
                        {
                            switch (Key(rk))
                            {
                                case "min": min = Int(Scalar(rv, path, Line(rk), "candidates.replicas.min"), path, Line(rk), "candidates.replicas.min"); break;
                                case "max": max = Int(Scalar(rv, path, Line(rk), "candidates.replicas.max"), path, Line(rk), "candidates.replicas.max"); break;
                                default: throw new FormatException($"{path}:{Line(rk)}: unknown key 'candidates.replicas.{Key(rk)}'. Known: min, max.");
                            }
                        }
                    break;
                default: throw new FormatException($"{path}:{at}: unknown key '{field}'. Known: hardware, tp, replicas, scheduler.");
            }
        }
        if (!sawReplicas) throw new FormatException($"{path}:{line}: candidates.replicas is missing: give {{min: M, max: N}} or one count.");
        var space = new CandidateSpace { Hardware = hardware, Tp = tp, Scheduler = scheduler, MinReplicas = min, MaxReplicas = max, CostPerGpuHour = cost };
        try { space.Validate(); }
        catch (ArgumentException e)
        {
            // The line of the field the message names: a key under candidates, or the price list.
            int at = e.Message.StartsWith("candidates.cost_per_gpu_hour", StringComparison.Ordinal) && costLine > 0 ? costLine
                : lines.FirstOrDefault(l => e.Message.StartsWith($"candidates.{l.Key}", StringComparison.Ordinal)
                    || (l.Key == "replicas" && e.Message.Contains("_replicas", StringComparison.Ordinal))).Value is > 0 and var found ? found : line;
            throw new FormatException($"{path}:{at}: {e.Message.Replace("candidates.cost_per_gpu_hour", "cost_per_gpu_hour")}", e);
        }
        return space;
    }

    private static string Key(YamlNode k) => ((YamlScalarNode)k).Value!;
    private static int Line(YamlNode n) => (int)n.Start.Line;

    private static YamlMappingNode Map(YamlNode node, string path, int line, string key) =>
        node as YamlMappingNode ?? throw new FormatException($"{path}:{line}: '{key}' must be a mapping.");

    private static string Scalar(YamlNode node, string path, int line, string field) =>
        node is YamlScalarNode s ? s.Value ?? "" : throw new FormatException($"{path}:{line}: '{field}' must be a single value.");

    private static List<string> List(YamlNode node, string path, int line, string field) => node switch
    {
        YamlSequenceNode seq => [.. seq.Children.Select(x => Scalar(x, path, Line(x), field))],
        YamlScalarNode s => [s.Value ?? ""],
        _ => throw new FormatException($"{path}:{line}: '{field}' must be a list of values."),
    };

    private static int Int(string raw, string path, int line, string field) =>
        int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
            : throw new FormatException($"{path}:{line}: '{field}: {raw}' must be an integer.");

    private static double Number(YamlNode node, string path, int line, string field, bool positive)
    {
        var raw = Scalar(node, path, line, field);
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && (!positive || d > 0) ? d
            : throw new FormatException($"{path}:{line}: '{field}: {raw}' must be a {(positive ? "positive " : "")}number.");
    }
}
