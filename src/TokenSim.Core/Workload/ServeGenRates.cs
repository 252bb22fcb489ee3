using System.Globalization;
using TokenSim.Core.Entities;

namespace TokenSim.Core.Workload;

/// <summary>
/// Measured request rates over two weeks: ServeGen's "m-large" language workload (Alibaba Bailian, Apache-2.0,
/// data/traces/servegen), three clients, each with its mean rate and the coefficient of variation of its
/// inter-arrival times in every 600 s window. It has the shape a real day has (a night trough, morning and afternoon
/// peaks, quieter weekends), which the one-hour Azure traces cannot give.
/// </summary>
public sealed class ServeGenRates
{
    public const double WindowSeconds = 600;
    public const int Clients = 3;

    /// <summary>Each client's rate (requests/s) and CV per window, windows from the first Monday 00:00.</summary>
    public IReadOnlyList<(double[] Rate, double[] Cv)> Client { get; }

    public int Windows => Client[0].Rate.Length;

    private ServeGenRates(IReadOnlyList<(double[] Rate, double[] Cv)> client) => Client = client;

    private static readonly Lazy<ServeGenRates> Embedded = new(() => new ServeGenRates(
        Enumerable.Range(0, Clients).Select(c => Read(EmbeddedData.Open($"traces/servegen-m-large-{c}.csv"), $"servegen m-large chunk-{c}-trace.csv")).ToArray()));

    public static ServeGenRates MLarge => Embedded.Value;

    /// <summary>The clients' summed rate in window <paramref name="w"/>.</summary>
    public double Total(int w) => Client.Sum(c => c.Rate[w]);

    // Rows: window start (s), rate, CV, then the fitted family and its parameters, which are not used: the rate and CV
    // are what the windows were measured to have, and one family per window does not survive rescaling anyway.
    private static (double[] Rate, double[] Cv) Read(Stream stream, string name)
    {
        using var csv = CsvFormat.Open(new StreamReader(stream));
        var rate = new List<double>();
        var cv = new List<double>();
        foreach (var row in csv)
        {
            int line = CsvFormat.LineOf(row);
            if (row.ColCount < 3
                || !double.TryParse(row[0].Span, NumberStyles.Float, CultureInfo.InvariantCulture, out var start) || start != (line - 1) * WindowSeconds
                || !double.TryParse(row[1].Span, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r < 0
                || !double.TryParse(row[2].Span, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
                throw new InvalidDataException($"{name}:{line}: expected 'start,rate,cv,...' with start {(line - 1) * WindowSeconds} and rate, cv ≥ 0.");
            rate.Add(r);
            cv.Add(v);
        }
        return (rate.ToArray(), cv.ToArray());
    }
}
