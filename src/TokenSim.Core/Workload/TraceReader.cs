using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// Reads every trace format in <see cref="TraceFormat"/>, detected from the content (CSV header or JSON keys),
/// plain or gzip-compressed. A bad row throws <see cref="WorkloadFormatException"/> naming file, line and field.
/// Relative arrival times (Vidur, Mooncake, LLMServingSim) are kept as they are; Azure's wall-clock timestamps
/// become seconds since the earliest row. <see cref="ReadFile"/> keeps every row in memory; <see cref="Scan"/> and
/// <see cref="TraceFileWorkloadSource"/> read a file of any length in bounded memory (<see cref="TraceRowReader"/>).
/// </summary>
public static class TraceReader
{
    public static Trace ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Workload file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static Trace Read(Stream stream, string source)
    {
        using var reader = new TraceRowReader(stream, source);
        var list = new List<RequestSpec>();
        while (reader.TryRead(out var r)) list.Add(r);
        var format = reader.Format ?? TraceFormat.Vidur;
        if (format == TraceFormat.Azure) Shift(list, list.Count == 0 ? 0 : list.Min(r => r.ArrivalTime));
        return new Trace(source, format, list, reader.HasArrivals);
    }

    /// <summary>
    /// A first pass over a trace file that keeps no row: its format, row count, the Azure time origin and how many
    /// requests cannot fit <paramref name="maxModelLen"/> (or ask for under one token). Bad rows, and rows more than
    /// <paramref name="reorderWindow"/> rows out of arrival order, throw here, before a simulation starts.
    /// </summary>
    public static TraceSummary Scan(string path, int maxModelLen, int reorderWindow = TraceFileWorkloadSource.DefaultReorderWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reorderWindow, 1);
        // Most traces are written in arrival order: a pass without the heap finds that (a heap push and pop per row cost
        // about a tenth of a 50k-request run, twice over with the replay's). A file out of order is read again with it.
        return ScanInOrder(path, maxModelLen) ?? ScanReordering(path, maxModelLen, reorderWindow);
    }

    /// <summary>The first pass of a file in arrival order (ties in file order, as the heap orders them); null at the first row that is not.</summary>
    private static TraceSummary? ScanInOrder(string path, int maxModelLen)
    {
        using var reader = TraceRowReader.OpenFile(path);
        long count = 0, notFitting = 0;
        double earliest = double.PositiveInfinity, last = double.NegativeInfinity;
        var order = Comparer<double>.Default;
        while (reader.TryRead(out var r))
        {
            if (count > 0 && order.Compare(r.ArrivalTime, last) < 0) return null;
            last = r.ArrivalTime;
            count++;
            if (r.ArrivalTime < earliest) earliest = r.ArrivalTime;
            if (r.PromptTokens + r.OutputTokens > maxModelLen || r.PromptTokens < 1 || r.OutputTokens < 1) notFitting++;
        }
        var format = reader.Format ?? TraceFormat.Vidur;
        return new TraceSummary(path, format, reader.HasArrivals, count, notFitting, format == TraceFormat.Azure && count > 0 ? earliest : 0, InOrder: true);
    }

    private static TraceSummary ScanReordering(string path, int maxModelLen, int reorderWindow)
    {
        using var reader = TraceRowReader.OpenFile(path);
        long count = 0, notFitting = 0;
        double earliest = double.PositiveInfinity, lastArrival = double.NegativeInfinity;
        int lastLine = 0;
        // The replay's reorder heap, arrival times and lines only: the same rows fail here as would fail there.
        var heap = new PriorityQueue<(double Arrival, int Line), (double Arrival, long Row)>();
        while (reader.TryRead(out var r))
        {
            if (reader.HasArrivals)
            {
                if (r.ArrivalTime < lastArrival)
                    throw TraceFileWorkloadSource.OutOfOrder(path, reader.Line, reader.ArrivalField, r.ArrivalTime, lastArrival, lastLine, reorderWindow);
                heap.Enqueue((r.ArrivalTime, reader.Line), (r.ArrivalTime, count));
                if (heap.Count > reorderWindow) (lastArrival, lastLine) = heap.Dequeue();
            }
            count++;
            if (r.ArrivalTime < earliest) earliest = r.ArrivalTime;
            if (r.PromptTokens + r.OutputTokens > maxModelLen || r.PromptTokens < 1 || r.OutputTokens < 1) notFitting++;
        }
        var format = reader.Format ?? TraceFormat.Vidur;
        return new TraceSummary(path, format, reader.HasArrivals, count, notFitting, format == TraceFormat.Azure && count > 0 ? earliest : 0);
    }

    /// <summary>The rows of a trace one at a time, in file order, for a caller that keeps only what it needs.</summary>
    public static IEnumerable<RequestSpec> Rows(TraceRowReader reader)
    {
        using (reader)
        {
            while (reader.TryRead(out var r)) yield return r;
        }
    }

    private static void Shift(List<RequestSpec> list, double origin)
    {
        if (origin == 0) return;
        for (int i = 0; i < list.Count; i++) list[i] = list[i] with { ArrivalTime = list[i].ArrivalTime - origin };
    }
}
