using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TokenSim.Contracts.V1;

namespace TokenSim.Cli.Commands;

/// <summary>
/// The replay's forecast section: per metric and horizon, the mean absolute error of the forecasts the twin made on
/// the production clock and scored against later engine snapshots, beside that of the naive "stays as now" forecast.
/// </summary>
internal static class ReplayForecastScores
{
    public static string HorizonKey(double seconds) => "h" + seconds.ToString("G", CultureInfo.InvariantCulture);

    public static void Print(IAnsiConsole console, ForecastScores scores)
    {
        var scored = scores.Scores.Where(s => s.Points > 0).ToList();
        if (scored.Count == 0)
        {
            console.MarkupLine($"forecasts: none scored ({scores.Issued} issued, {scores.Skipped} skipped; scoring needs engine snapshots)");
            return;
        }
        console.MarkupLine($"forecasts scored on the production clock: {scores.Issued} issued, {scores.Skipped} skipped (budget)");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("metric");
        t.AddColumn(new TableColumn("horizon").RightAligned());
        t.AddColumn(new TableColumn("points").RightAligned());
        t.AddColumn(new TableColumn("MAE").RightAligned());
        t.AddColumn(new TableColumn("naive MAE").RightAligned());
        t.AddColumn(new TableColumn("bias").RightAligned());
        foreach (var s in scored)
            t.AddRow(s.Metric, $"{s.HorizonS:G} s", s.Points.ToString(CultureInfo.InvariantCulture), F(s.Mae, s.Metric), F(s.NaiveMae, s.Metric), (s.Bias >= 0 ? "+" : "") + F(s.Bias, s.Metric));
        console.Write(t);
    }

    private static string F(double x, string metric) => x.ToString(metric == "kv" ? "F4" : "F2", CultureInfo.InvariantCulture);

    /// <summary><c>forecast.{metric}.h{H}.{mae,naive_mae,bias,points}</c>; a metric the run did not observe (KV% unrecorded) is absent.</summary>
    public static void WriteJson(Utf8JsonWriter w, ForecastScores scores)
    {
        w.WriteStartObject("forecast");
        w.WriteNumber("issued", scores.Issued);
        w.WriteNumber("skipped", scores.Skipped);
        foreach (var metric in scores.Scores.Where(s => s.Points > 0).GroupBy(s => s.Metric))
        {
            w.WriteStartObject(metric.Key);
            foreach (var s in metric.OrderBy(s => s.HorizonS))
            {
                w.WriteStartObject(HorizonKey(s.HorizonS));
                w.WriteNumber("points", s.Points);
                w.WriteNumber("mae", s.Mae);
                w.WriteNumber("naive_mae", s.NaiveMae);
                w.WriteNumber("bias", s.Bias);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
