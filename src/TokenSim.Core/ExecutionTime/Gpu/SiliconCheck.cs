using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// The engine-level check of an execution model on AIConfigurator's measured vLLM points: each representable point
/// is simulated as the closed loop it was (its concurrency of clients, fixed prompt and output lengths) and its mean
/// TPOT compared with the measured one. Nothing here is fitted: the points are a check only.
/// </summary>
public static class SiliconCheck
{
    public const string DefaultFile = "data/reference/aiconfigurator-silicon/vllm_silicon_points.csv";

    /// <summary>Reads the points file; a malformed row is one line naming the file, line and column.</summary>
    public static IReadOnlyList<SiliconPoint> Read(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{path}: no such file (AIConfigurator silicon points, as {DefaultFile}).");
        // Through the one CSV reader (quoting, trimming); lines are the file's, as Sep counts them.
        using var csv = CsvFormat.Open(new StreamReader(path));
        if (!csv.MoveNext()) throw new FormatException($"{path}: empty file.");
        var head = Cells(csv.Current);
        int Col(string name) => Array.IndexOf(head, name) is >= 0 and var i ? i : throw new FormatException($"{path}: line 1: no '{name}' column.");
        int system = Col("system"), model = Col("model_path"), precision = Col("precision"), mode = Col("mode"), isl = Col("isl"), osl = Col("osl"),
            batch = Col("batch_size"), tp = Col("tp_size"), pp = Col("pp_size"), dp = Col("attention_dp_size"), moeTp = Col("moe_tp_size"),
            moeEp = Col("moe_ep_size"), ttft = Col("silicon_ttft_ms"), tpot = Col("silicon_tpot_ms");
        var points = new List<SiliconPoint>();
        foreach (var row in csv)
        {
            if (CsvFormat.IsBlank(row)) continue;
            int line = CsvFormat.LineOf(row);
            var f = Cells(row);
            if (f.Length < head.Length) throw new FormatException($"{path}: line {line}: {f.Length} fields, the header has {head.Length}.");
            int? Int(int c)
            {
                if (f[c].Length == 0) return null;
                return int.TryParse(f[c], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
                    : throw new FormatException($"{path}: line {line}: {head[c]} '{f[c]}' is not a positive integer.");
            }
            double Real(int c) => double.TryParse(f[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v
                : throw new FormatException($"{path}: line {line}: {head[c]} '{f[c]}' is not a positive number.");
            int Req(int c) => Int(c) ?? throw new FormatException($"{path}: line {line}: {head[c]} is empty.");
            // batch_size is per attention-DP rank; the benchmark's clients are that times the DP ranks (SiliconPoint).
            points.Add(new SiliconPoint(line, f[system], f[model], f[precision], f[mode], Req(isl), Req(osl), (Int(batch) ?? 0) * (Int(dp) ?? 1),
                Int(tp), Int(pp), Int(dp), Int(moeTp), Int(moeEp), Real(ttft), Real(tpot)));
        }
        return points;
    }

    private static string[] Cells(nietras.SeparatedValues.SepReader.Row row)
    {
        var cells = new string[row.ColCount];
        for (int i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
        return cells;
    }

    /// <summary>
    /// Mean TPOT (ms) of the point's closed loop: <paramref name="requestsPerClient"/> requests per client, so the
    /// clients' replies fall out of step as in a real benchmark and the steady state dominates.
    /// </summary>
    public static double SimulatedTpotMs(ReplicaSpec spec, SiliconPoint p, Func<ReplicaSpec, IExecutionTimeModel> perf, int requestsPerClient = 4)
    {
        var engine = perf(spec);
        var sim = new Simulator(new SimulationOptions
        {
            Replica = spec, Replicas = 1, Seed = 1, ExecutionTime = _ => engine,
            // vLLM's DP coordinator sends each request to the least-loaded engine rank.
            Router = spec.DataParallel > 1 ? "least-outstanding" : "round-robin",
        });
        sim.AttachWorkload(WorkloadSpec.Build(string.Create(CultureInfo.InvariantCulture,
            $"closed:concurrency={p.Concurrency},n={requestsPerClient * p.Concurrency},input={p.Isl},output={p.Osl}"), p.Isl + p.Osl + 16).Source);
        sim.Run();
        return sim.Metrics.Tpot.Mean * 1e3;
    }

    /// <summary>One simulated point: measured and predicted TPOT (ms) per execution model, in the order given.</summary>
    public sealed record Row(SiliconPoint Point, double[] PredictedMs)
    {
        public double SignedPct(int model) => (PredictedMs[model] - Point.TpotMs) / Point.TpotMs * 100;
    }

    /// <summary>
    /// Simulates every representable point under each of <paramref name="models"/>; the others come back in
    /// <paramref name="skipped"/> with the reason.
    /// </summary>
    public static List<Row> Run(IEnumerable<SiliconPoint> points, IReadOnlyList<Func<ReplicaSpec, IExecutionTimeModel>> models,
        out List<(SiliconPoint Point, string Why)> skipped, int requestsPerClient = 4)
    {
        var rows = new List<Row>();
        skipped = [];
        foreach (var p in points)
        {
            var spec = p.Spec(out string? why);
            if (spec is null) { skipped.Add((p, why!)); continue; }
            rows.Add(new Row(p, models.Select(m => SimulatedTpotMs(spec, p, m, requestsPerClient)).ToArray()));
        }
        return rows;
    }

    /// <summary>The groups a report breaks the error down by: per GPU, per dtype, dense vs MoE, per model.</summary>
    public static IEnumerable<(string Group, List<Row> Rows)> Groups(IReadOnlyList<Row> rows)
    {
        yield return ("all", rows.ToList());
        foreach (var g in rows.GroupBy(r => HardwareCatalog.Resolve(r.Point.System).Name).OrderBy(g => g.Key, StringComparer.Ordinal)) yield return ($"gpu {g.Key}", g.ToList());
        foreach (var g in rows.GroupBy(r => r.Point.DType).OrderBy(g => g.Key, StringComparer.Ordinal)) yield return ($"dtype {g.Key}", g.ToList());
        foreach (var g in rows.GroupBy(r => ModelCatalog.Resolve(r.Point.ModelPath).IsMoe ? "moe" : "dense").OrderBy(g => g.Key, StringComparer.Ordinal)) yield return (g.Key, g.ToList());
        foreach (var g in rows.GroupBy(r => ModelCatalog.Resolve(r.Point.ModelPath).Name).OrderBy(g => g.Key, StringComparer.Ordinal)) yield return ($"model {g.Key}", g.ToList());
    }

    /// <summary>MAPE and mean signed error (%) of execution model <paramref name="model"/> over <paramref name="rows"/>.</summary>
    public static (double Mape, double Signed) Error(IReadOnlyList<Row> rows, int model) =>
        (rows.Average(r => Math.Abs(r.SignedPct(model))), rows.Average(r => r.SignedPct(model)));

    /// <summary>The report's lines: one per group with each model's MAPE and mean signed error, then the skipped points by reason.</summary>
    public static IEnumerable<string> Report(IReadOnlyList<Row> rows, IReadOnlyList<string> modelNames, IReadOnlyList<(SiliconPoint Point, string Why)> skipped)
    {
        foreach (var (group, g) in Groups(rows))
        {
            if (g.Count == 0) continue;
            var parts = modelNames.Select((name, i) => Error(g, i) is var e ? string.Create(CultureInfo.InvariantCulture, $"{name} {e.Mape:F1}% ({e.Signed:+0.0;-0.0;0.0}%)") : "");
            yield return string.Create(CultureInfo.InvariantCulture, $"{group}: {g.Count} points, TPOT MAPE (mean signed) {string.Join(", ", parts)}");
        }
        foreach (var g in skipped.GroupBy(s => s.Why).OrderByDescending(g => g.Count()))
            yield return string.Create(CultureInfo.InvariantCulture,
                $"not simulated, {g.Count()} points ({string.Join(", ", g.Select(s => s.Point.ModelPath).Distinct())} on {string.Join(", ", g.Select(s => s.Point.System).Distinct())}): {g.Key}");
    }
}
