using System.Globalization;
using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Cli.Commands;

/// <summary><c>--replicas-csv</c>: the fleet after each change a scenario or its autoscaler made.</summary>
internal static class ReplicaCountsCsv
{
    public static void Write(string path, IReadOnlyList<ReplicaCountPoint> points, double end)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("time_s,serving,provisioned");
        foreach (var p in points) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Time:R},{p.Serving},{p.Provisioned}"));
        // The last row holds to the end of the run, so a reader can integrate without knowing it.
        if (points.Count > 0 && end > points[^1].Time)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{end:R},{points[^1].Serving},{points[^1].Provisioned}"));
    }
}
