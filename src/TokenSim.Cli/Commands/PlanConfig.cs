using System.Globalization;
using TokenSim.Core.Simulation;
using TokenSim.Planning;
using TokenSim.Core.Yaml;

namespace TokenSim.Cli.Commands;

/// <summary>
/// A capacity plan: shared <c>simulate</c> options, traffic, SLOs, candidates and GPU prices.
/// <code>
/// base: {model: llama-3.1-8b, max-model-len: 8192}
/// traffic: {rate: 20, duration_s: 600, lengths: azure-conv, growth: 1}   # or workload: SPEC | trace: FILE | live: {deployment: NAME, window_s: 600}
/// slo: {percentile: 0.99, ttft_s: 0.5, tpot_s: 0.05}                     # or attainment: 0.9 (goodput)
/// candidates: {hardware: [a100-80g, h100-sxm], tp: [1, 2], replicas: {min: 1, max: 10}, scheduler: [vllm-v1]}
/// cost_per_gpu_hour: {a100-80g: 1.8, h100-sxm: 3.2}
/// objective: cost                                                       # or energy: least joules per output token
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
    /// <summary>What the answer minimises among the candidates meeting the SLOs (<c>objective:</c>, default cost).</summary>
    public PlanObjective Objective { get; init; }

    /// <summary>Where the traffic comes from: <see cref="Workload"/> (a spec or trace file, drawn here) or a deployment's live window.</summary>
    public sealed record TrafficSource(string? Workload, string? LiveDeployment, double LiveWindowSeconds, string Description);

    public static PlanConfig Read(string path)
    {
        var root = YamlConfig.Read<PlanYaml>(path) ?? throw new FormatException($"{path}: the plan config is empty.");
        if (root.Shape != YamlShape.Mapping) throw YamlConfig.NotAMapping(path);
        var options = new List<KeyValuePair<string, string>>();
        if (root.Base is { } baseMap)
            foreach (var (key, line, value) in Map(baseMap, path, root.LineOf("base"), "base").Entries)
            {
                var pair = new KeyValuePair<string, string>(key, Scalar(value, path, line, $"base.{key}"));
                try { PlanProblem.BaseSettings([.. options, pair]); }
                catch (Exception e) when (e is ArgumentException or FormatException)
                {
                    throw new FormatException($"{path}:{line}: {e.Message}", e);
                }
                options.Add(pair);
            }
        var (traffic, growth) = root.Traffic is { } t ? ReadTraffic(Map(t, path, root.LineOf("traffic"), "traffic"), path)
            : throw new FormatException($"{path}: 'traffic' is missing: give rate/duration_s, workload, trace or live.");
        var slo = root.Slo is { } s ? ReadSlo(Map(s, path, root.LineOf("slo"), "slo"), path, root.LineOf("slo"))
            : throw new FormatException($"{path}: 'slo' is missing: give ttft_s and/or tpot_s.");
        var cost = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        int costLine = 0;
        if (root.CostPerGpuHour is { } prices)
        {
            costLine = root.LineOf("cost_per_gpu_hour");
            foreach (var (gpu, line, value) in Map(prices, path, costLine, "cost_per_gpu_hour").Entries)
                cost[gpu] = Number(value, path, line, $"cost_per_gpu_hour.{gpu}", positive: true);
        }
        if (root.Candidates is not { } candidates) throw new FormatException($"{path}: 'candidates' is missing: give hardware, tp, replicas and scheduler.");
        int candidatesLine = root.LineOf("candidates");
        var space = ReadCandidates(Map(candidates, path, candidatesLine, "candidates"), cost, path, candidatesLine, costLine);
        var autoscale = root.Autoscale is { } a ? AutoscalePlanConfig.Read(Map(a, path, root.LineOf("autoscale"), "autoscale"), path) : ((AutoscaleSearch Search, string? Plot)?)null;
        if (autoscale is not null && space.Count != space.MaxReplicas - space.MinReplicas + 1)
            throw new FormatException($"{path}:{candidatesLine}: with autoscale, candidates name one deployment (one hardware, one tp, one scheduler): the policy's thresholds are what is searched.");
        var objective = PlanObjective.Cost;
        if (root.Objective is { } o)
        {
            string raw = Scalar(o, path, root.LineOf("objective"), "objective");
            objective = raw.Trim().ToLowerInvariant() switch
            {
                "cost" => PlanObjective.Cost,
                "energy" => PlanObjective.Energy,
                _ => throw new FormatException($"{path}:{root.LineOf("objective")}: 'objective: {raw}' must be cost or energy."),
            };
            if (objective == PlanObjective.Energy && autoscale is not null)
                throw new FormatException($"{path}:{root.LineOf("objective")}: objective: energy plans fleets; an autoscale plan minimises GPU-hours.");
        }
        return new PlanConfig(path, options, traffic, growth, slo, space) { Autoscale = autoscale?.Search, AutoscalePlot = autoscale?.Plot, Objective = objective };
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

    private static (TrafficSource, double) ReadTraffic(PlanYaml.TrafficYaml map, string path)
    {
        int firstLine = map.Line;
        string? Text(YamlText? v, string key) => v is null ? null : Scalar(v, path, map.LineOf(key), $"traffic.{key}");
        double? Positive(YamlText? v, string key) => v is null ? null : Number(v, path, map.LineOf(key), $"traffic.{key}", positive: true);
        double? rate = Positive(map.Rate, "rate"), duration = Positive(map.DurationS, "duration_s");
        string? lengths = Text(map.Lengths, "lengths"), workload = Text(map.Workload, "workload"), trace = Text(map.Trace, "trace"), live = null;
        double window = 0, growth = Positive(map.Growth, "growth") ?? 1;
        if (map.Live is { } l)
        {
            int line = map.LineOf("live");
            Map(l, path, line, "traffic.live");
            if (l.Deployment is { } d) live = Scalar(d, path, l.LineOf("deployment"), "traffic.live.deployment");
            if (l.WindowS is { } w) window = Number(w, path, l.LineOf("window_s"), "traffic.live.window_s", positive: true);
            if (live is null) throw new FormatException($"{path}:{line}: traffic.live.deployment is missing.");
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

    private static Slo ReadSlo(PlanYaml.SloYaml map, string path, int sloLine)
    {
        double? Positive(YamlText? v, string key) => v is null ? null : Number(v, path, map.LineOf(key), $"slo.{key}", positive: true);
        var slo = new Slo { TtftSeconds = Positive(map.TtftS, "ttft_s"), TpotSeconds = Positive(map.TpotS, "tpot_s"), Attainment = Positive(map.Attainment, "attainment") };
        if (Positive(map.Percentile, "percentile") is { } percentile) slo = slo with { Percentile = percentile };
        try { slo.Validate(); }
        catch (ArgumentException e) { throw new FormatException($"{path}:{sloLine}: {e.Message}", e); }
        return slo;
    }

    private static CandidateSpace ReadCandidates(PlanYaml.CandidatesYaml map, Dictionary<string, double> cost, string path, int line, int costLine)
    {
        List<string> hardware = map.Hardware is { } h ? List(h, path, map.LineOf("hardware"), "candidates.hardware") : [];
        List<string> scheduler = map.Scheduler is { } sc ? List(sc, path, map.LineOf("scheduler"), "candidates.scheduler") : ["vllm-v1"];
        List<int> tp = map.Tp is { } t ? [.. List(t, path, map.LineOf("tp"), "candidates.tp").Select(x => Int(x, path, map.LineOf("tp"), "candidates.tp"))] : [1];
        if (map.Replicas is not { } replicas) throw new FormatException($"{path}:{line}: candidates.replicas is missing: give {{min: M, max: N}} or one count.");
        int min = 1, max = 0, replicasLine = map.LineOf("replicas");
        if (replicas.Shape == YamlShape.Scalar) min = max = Int(replicas.Text ?? "", path, replicasLine, "candidates.replicas");
        else
        {
            Map(replicas, path, replicasLine, "candidates.replicas");
            if (replicas.Min is { } lo) min = Int(Scalar(lo, path, replicas.LineOf("min"), "candidates.replicas.min"), path, replicas.LineOf("min"), "candidates.replicas.min");
            if (replicas.Max is { } hi) max = Int(Scalar(hi, path, replicas.LineOf("max"), "candidates.replicas.max"), path, replicas.LineOf("max"), "candidates.replicas.max");
        }
        // The line of each key given, by the name the space's errors use for it.
        var lines = new Dictionary<string, int>();
        foreach (var (key, given) in new (string, YamlPositioned?)[] { ("hardware", map.Hardware), ("tensor_parallel", map.Tp), ("replicas", map.Replicas), ("scheduler", map.Scheduler) })
            if (given is not null) lines[key] = map.LineOf(key == "tensor_parallel" ? "tp" : key);
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

    private static T Map<T>(T node, string path, int line, string key) where T : YamlPositioned =>
        node.Shape == YamlShape.Mapping ? node : throw new FormatException($"{path}:{line}: '{key}' must be a mapping.");

    private static string Scalar(YamlPositioned node, string path, int line, string field) =>
        node.Shape == YamlShape.Scalar && node.Text is { } text ? text : throw new FormatException($"{path}:{line}: '{field}' must be a single value.");

    /// <summary>A list of values; one value alone is a list of one.</summary>
    private static List<string> List(YamlList<YamlText> node, string path, int line, string field) =>
        node.Shape is YamlShape.Sequence or YamlShape.Scalar ? [.. node.Items.Select(x => Scalar(x, path, x.Line, field))]
            : throw new FormatException($"{path}:{line}: '{field}' must be a list of values.");

    private static int Int(string raw, string path, int line, string field) =>
        int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
            : throw new FormatException($"{path}:{line}: '{field}: {raw}' must be an integer.");

    private static double Number(YamlText node, string path, int line, string field, bool positive)
    {
        var raw = Scalar(node, path, line, field);
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && (!positive || d > 0) ? d
            : throw new FormatException($"{path}:{line}: '{field}: {raw}' must be a {(positive ? "positive " : "")}number.");
    }
}
