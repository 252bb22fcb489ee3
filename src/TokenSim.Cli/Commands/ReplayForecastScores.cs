using System.Globalization;
using Spectre.Console;
using TokenSim.Contracts.V1;

namespace TokenSim.Cli.Commands;

/// <summary>
/// The replay's forecast section: per metric and horizon, the mean absolute error of the forecasts the twin made on
/// the production clock and scored against later engine snapshots, beside that of the naive "stays as now" forecast,
/// with the coverage of their p10–p90 intervals and the pinball loss of their quantiles.
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
        t.AddColumn(new TableColumn("p10–p90 coverage").RightAligned());
        t.AddColumn(new TableColumn("pinball loss").RightAligned());
        foreach (var s in scored)
            t.AddRow(s.Metric, $"{s.HorizonS:G} s", s.Points.ToString(CultureInfo.InvariantCulture), F(s.Mae, s.Metric), F(s.NaiveMae, s.Metric), (s.Bias >= 0 ? "+" : "") + F(s.Bias, s.Metric),
                s.Coverage80.ToString("P0", CultureInfo.InvariantCulture), F(s.PinballLoss, s.Metric));
        console.Write(t);
    }

    private static string F(double x, string metric) => x.ToString(metric == "kv" ? "F4" : "F2", CultureInfo.InvariantCulture);
}
