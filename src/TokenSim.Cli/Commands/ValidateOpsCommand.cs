using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TokenSim.Cli.Commands.Json;
using Spectre.Console;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Communication;
using TokenSim.Core.ExecutionTime.Gpu;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Cli.Commands;

/// <summary>
/// <c>tokensim validate ops</c>: the profile model's leave-one-out error on its own measured operator tables, and
/// the roofline's error on the same points.
/// </summary>
internal static class ValidateOpsCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile")
        {
            Description = "A profile table or folder: Vidur mlp.csv/attention.csv/all_reduce.csv/send_recv.csv, LLMServingSim dense.csv (tp<N>/) or layers.csv, AIConfigurator *_perf.csv; a folder is searched below.",
            Required = true,
        };
        var model = new Option<string?>("--model") { Description = "The profiled model, for the roofline (default: inferred from the path, e.g. meta-llama/Llama-3.1-8B)." };
        var hardware = new Option<string?>("--hardware") { Description = "The profiled GPU, for the roofline (default: inferred from the path, e.g. a100, h100_dgx, RTXPRO6000)." };
        var json = new Option<string?>("--json") { Description = "Write {tables:[{file,name,points,interior,loo_mape_pct,loo_max_pct,roofline_mape_pct,gpu_mape_pct}], files:[…]}." };
        var perfModel = new Option<string>("--perf-model") { Description = "roofline (default), or gpu: also score the operator-level GPU model (docs/hardware.md).", DefaultValueFactory = _ => "roofline" };
        var fitOn = new Option<string?>("--fit-on")
        {
            Description = "With --perf-model gpu: fit its constants on this GPU's tables only (its GEMM and attention tables under the nearest 'profiles' folder at or above --profile, else under --profile) and predict every other GPU with them; default: the shipped constants (fitted on a100).",
        };
        var cmd = new Command("ops", "Leave-one-out error of the profile model on each measured operator table, and the roofline's (and GPU model's) error on the same points.")
        {
            profile, model, hardware, json, perfModel, fitOn,
        };
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(profile)!;
            if (!File.Exists(path) && !Directory.Exists(path)) throw new FileNotFoundException($"--profile: '{path}' does not exist.", path);
            var given = parse.GetValue(hardware);
            var givenModel = parse.GetValue(model);
            var results = new List<OpsTableResult>();
            var comm = new List<CommTable>();
            var console = AnsiConsole.Console;
            if (Console.IsOutputRedirected) console.Profile.Width = 220;
            var profiles = ProfileReader.Read(path);
            var gpu = parse.GetValue(perfModel)!.Trim().ToLowerInvariant() switch
            {
                "roofline" => parse.GetValue(fitOn) is null ? null : throw new ArgumentException("--fit-on needs --perf-model gpu."),
                "gpu" => GpuScorer(console, path, profiles, parse.GetValue(fitOn), given, givenModel),
                var other => throw new ArgumentException($"--perf-model: validate ops scores 'roofline' or 'gpu' (got '{other}')."),
            };
            foreach (var p in profiles)
            {
                HardwareSpec? hw;
                string? hwName = given;
                if (given is not null) hw = HardwareCatalog.Resolve(given);
                else hw = ProfileReader.InferHardware(p.Source, out hwName);
                var m = givenModel is not null ? ModelCatalog.Resolve(givenModel) : ProfileReader.InferModel(p.Source);
                var tables = OpsValidation.Validate(p, new OperatorRoofline(hw, hwName, m), gpu);
                results.AddRange(tables);
                comm.AddRange(CommTables.From(p));
                Print(console, p, hw, m, tables);
            }
            var commResults = CommValidation.LeaveOneGpuOut(comm);
            var fitted = comm.Count > 0 ? CommCalibrationFit.Fit(comm) : null;
            if (commResults.Count > 0) PrintComm(console, commResults, fitted!);
            if (parse.GetValue(json) is { } file) WriteJson(file, results, commResults, fitted);
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The GPU model's scorer: the shipped constants, or constants fitted on <paramref name="fitOn"/>'s tables alone
    /// (the compute tables for the kernels, that GPU's collective tables for the communication models).
    /// </summary>
    private static GpuOpsScorer GpuScorer(IAnsiConsole console, string path, IReadOnlyList<IOperatorProfile> profiles, string? fitOn, string? given, string? givenModel)
    {
        var hw = given is null ? null : HardwareCatalog.Resolve(given);
        var m = givenModel is null ? null : ModelCatalog.Resolve(givenModel);
        if (fitOn is null) return new GpuOpsScorer(new GpuModelParameters(), CommCalibration.Default, hw, m);
        var fitGpu = HardwareCatalog.Resolve(fitOn);
        // Every table of the fit GPU under data/profiles, whichever folder is being scored, so each run fits the same constants.
        var source = ProfilesRoot(path) is { } root ? ProfileReader.Read(root) : profiles;
        var tables = GpuModelFit.TablesOf(source, fitGpu);
        var fitted = GpuModelFit.Fit(tables);
        var fitComm = source.SelectMany(CommTables.From).Where(c => c.Gpu == fitGpu.Name).ToList();
        var comm = fitComm.Count > 0 ? CommCalibrationFit.Fit(fitComm, CommCalibration.Default) : CommCalibration.Default;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GPU model fitted on {fitGpu.Name} ({tables.Count} compute tables, {fitComm.Count} collective tables): {string.Join(", ", fitted.Values.Select(v => $"{v.Name} {v.Value:F2}"))}; tables of {fitGpu.Name} are marked 'fit', every other GPU is out of sample."));
        return new GpuOpsScorer(fitted, comm, hw, m, fitGpu.Name);
    }

    /// <summary>The nearest folder named <c>profiles</c> at or above <paramref name="path"/> (data/profiles), where the fit GPU's tables are looked for.</summary>
    private static string? ProfilesRoot(string path)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(path)); d is not null; d = d.Parent)
            if (d.Name == "profiles") return d.FullName;
        return null;
    }

    private static void Print(IAnsiConsole console, IOperatorProfile p, HardwareSpec? hw, ModelSpec? m, IReadOnlyList<OpsTableResult> tables)
    {
        var t = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"{p.Source} ({p.Format}; GPU {hw?.Name ?? "?"}{(m is null ? "" : $", model {m.Name}")})"));
        t.AddColumn("table");
        foreach (var c in new[] { "points", "interior", "LOO MAPE %", "LOO max %", "roofline MAPE %", "gpu MAPE %" }) t.AddColumn(new TableColumn(c).RightAligned());
        foreach (var r in tables) t.AddRow(Row(r, bold: false));
        if (tables.Count > 1)
            foreach (var f in OpsValidation.ByFile(tables)) t.AddRow(Row(f with { Name = $"{f.Name} (all)" }, bold: true));
        console.Write(t);
    }

    private static string[] Row(OpsTableResult r, bool bold)
    {
        string B(string s) => bold ? $"[bold]{s}[/]" : s;
        return
        [
            B(Markup.Escape(r.Name)), r.Points.ToString("N0", CultureInfo.InvariantCulture), r.Interior.ToString("N0", CultureInfo.InvariantCulture),
            B(F(r.LooMapePct)), F(r.LooMaxPct),
            r.RooflineMapePct is { } x ? F(x) : Markup.Escape($"n/a: {r.RooflineNote}"),
            r.GpuMapePct is { } g ? F(g) + (r.GpuNote is null ? "" : $" ({r.GpuNote})") : r.GpuNote is null ? "" : Markup.Escape($"n/a: {r.GpuNote}"),
        ];
    }

    private static void PrintComm(IAnsiConsole console, IReadOnlyList<CommTableResult> results, CommCalibration fitted)
    {
        var t = new Table().Border(TableBorder.Rounded)
            .Title("collective models (NCCL's cost model, vLLM's custom all-reduce): MAPE with constants fitted without the table's GPU, and with all");
        t.AddColumn("table");
        t.AddColumn("GPU");
        t.AddColumn("path");
        foreach (var c in new[] { "points", "left-out MAPE %", "in-sample MAPE %" }) t.AddColumn(new TableColumn(c).RightAligned());
        foreach (var r in results)
            t.AddRow(Markup.Escape($"{Path.GetFileName(Path.GetDirectoryName(r.File))}/{r.Name}"), Markup.Escape(r.Gpu), r.Path,
                r.Points.ToString(CultureInfo.InvariantCulture), F(r.MapePct), F(r.InSampleMapePct));
        console.Write(t);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fitted on all: NCCL per call {fitted.NcclCallSeconds * 1e6:F2} µs; efficiency NVLink {fitted.NvLinkEfficiency:F3}, PCIe P2P {fitted.PcieP2pEfficiency:F3}, PCIe SHM {fitted.PcieShmEfficiency:F3}, network {fitted.NetworkEfficiency:F3}; custom all-reduce floor {fitted.CustomAllReduceFloorSeconds * 1e6:F2} µs, NVLink efficiency {fitted.CustomAllReduceNvLinkEfficiency:F3}"));
    }

    private static string F(double x) => x.ToString("F2", CultureInfo.InvariantCulture);

    private static void WriteJson(string path, IReadOnlyList<OpsTableResult> results, IReadOnlyList<CommTableResult> comm, CommCalibration? fitted)
    {
        using var f = File.Create(path);
        JsonSerializer.Serialize(f, OpsValidationJson.From(results, comm, fitted), CliJsonContext.Default.OpsValidationJson);
    }
}
