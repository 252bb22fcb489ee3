using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TokenSim.Core.Entities;
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
        var json = new Option<string?>("--json") { Description = "Write {tables:[{file,name,points,interior,loo_mape_pct,loo_max_pct,roofline_mape_pct}], files:[…]}." };
        var cmd = new Command("ops", "Leave-one-out error of the profile model on each measured operator table, and the roofline's error on the same points.")
        {
            profile, model, hardware, json,
        };
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(profile)!;
            if (!File.Exists(path) && !Directory.Exists(path)) throw new FileNotFoundException($"--profile: '{path}' does not exist.", path);
            var given = parse.GetValue(hardware);
            var givenModel = parse.GetValue(model);
            var results = new List<OpsTableResult>();
            var console = AnsiConsole.Console;
            if (Console.IsOutputRedirected) console.Profile.Width = 200;
            foreach (var p in ProfileReader.Read(path))
            {
                HardwareSpec? hw;
                string? hwName = given;
                if (given is not null) hw = HardwareCatalog.Resolve(given);
                else hw = ProfileReader.InferHardware(p.Source, out hwName);
                var m = givenModel is not null ? ModelCatalog.Resolve(givenModel) : ProfileReader.InferModel(p.Source);
                var tables = OpsValidation.Validate(p, new OperatorRoofline(hw, hwName, m));
                results.AddRange(tables);
                Print(console, p, hw, m, tables);
            }
            if (parse.GetValue(json) is { } file) WriteJson(file, results);
            return 0;
        });
        return cmd;
    }

    private static void Print(IAnsiConsole console, IOperatorProfile p, HardwareSpec? hw, ModelSpec? m, IReadOnlyList<OpsTableResult> tables)
    {
        var t = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"{p.Source} ({p.Format}; GPU {hw?.Name ?? "?"}{(m is null ? "" : $", model {m.Name}")})"));
        t.AddColumn("table");
        foreach (var c in new[] { "points", "interior", "LOO MAPE %", "LOO max %", "roofline MAPE %" }) t.AddColumn(new TableColumn(c).RightAligned());
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
        ];
    }

    private static string F(double x) => x.ToString("F2", CultureInfo.InvariantCulture);

    private static void WriteJson(string path, IReadOnlyList<OpsTableResult> results)
    {
        using var f = File.Create(path);
        using var w = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        Write(w, "tables", results);
        Write(w, "files", OpsValidation.ByFile(results));
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, string name, IEnumerable<OpsTableResult> results)
    {
        w.WriteStartArray(name);
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteString("file", r.File);
            w.WriteString("name", r.Name);
            w.WriteNumber("points", r.Points);
            w.WriteNumber("interior", r.Interior);
            w.WriteNumber("loo_mape_pct", Math.Round(r.LooMapePct, 4));
            w.WriteNumber("loo_max_pct", Math.Round(r.LooMaxPct, 4));
            if (r.RooflineMapePct is { } x) w.WriteNumber("roofline_mape_pct", Math.Round(x, 4));
            else w.WriteNull("roofline_mape_pct");
            if (r.RooflineNote is not null) w.WriteString("roofline_note", r.RooflineNote);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
