using System.Globalization;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// Replays a trace file as the simulator asks for requests, reading it lazily: memory does not grow with the file's
/// length. Requests come out in arrival order (file order for equal times), exactly as <see cref="TraceWorkloadSource"/>
/// sorts them, as long as no row is more than <see cref="ReorderWindow"/> rows out of order.
/// </summary>
/// <remarks>
/// A min-heap of up to <see cref="ReorderWindow"/> rows, keyed by (arrival, row), reorders a file that is
/// nearly sorted; a row earlier than a request already handed to the simulator throws
/// <see cref="WorkloadFormatException"/> naming the file, the line and both timestamps (<see cref="TraceReader.Scan"/>
/// finds such a row first, before the simulation starts). <see cref="Clone"/> reopens
/// the file and reads forward to the same place (time linear in the rows already read).
/// </remarks>
public sealed class TraceFileWorkloadSource : IWorkloadSource, IDisposable
{
    /// <summary>Rows held for reordering by default: 65,536 (a few MiB).</summary>
    public const int DefaultReorderWindow = 65_536;

    private readonly TraceSummary _summary;
    private readonly PriorityQueue<(RequestSpec Request, int Line), (double Arrival, long Row)> _heap = new();
    private TraceRowReader? _reader;
    private bool _started;
    private long _rows, _emitted;
    private double _lastArrival = double.NegativeInfinity;
    private int _lastLine;

    /// <param name="summary">The first pass over the file (<see cref="TraceReader.Scan"/>): count and Azure origin.</param>
    /// <param name="reorderWindow">Rows that may wait in the reorder heap (at least 1).</param>
    public TraceFileWorkloadSource(TraceSummary summary, int reorderWindow = DefaultReorderWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reorderWindow, 1);
        _summary = summary;
        ReorderWindow = reorderWindow;
    }

    public int ReorderWindow { get; }

    public long? Count => _summary.Requests;

    public bool OpenLoop => true;

    public bool TryNext(double now, SimRandom random, out RequestSpec request)
    {
        if (!_started)
        {
            _started = true;
            _reader = TraceRowReader.OpenFile(_summary.Source, _summary.AzureOriginSeconds);
        }
        // A file in arrival order (the first pass says so) needs no reordering: rows go out as they are read.
        if (_summary.InOrder) return TryNextInOrder(out request);
        while (_reader is not null && _heap.Count <= ReorderWindow)
        {
            if (!_reader.TryRead(out var r))
            {
                _reader.Dispose();
                _reader = null;
                break;
            }
            // Every row read now lands after the requests already handed out, or the window was too small.
            if (r.ArrivalTime < _lastArrival) ThrowOutOfOrder(r.ArrivalTime, _reader.Line);
            _heap.Enqueue((r, _reader.Line), (r.ArrivalTime, _rows++));
        }
        if (!_heap.TryDequeue(out var next, out _)) { request = default; return false; }
        (request, _lastLine) = next;
        _lastArrival = request.ArrivalTime;
        _emitted++;
        return true;
    }

    private bool TryNextInOrder(out RequestSpec request)
    {
        if (_reader is null || !_reader.TryRead(out request))
        {
            _reader?.Dispose();
            _reader = null;
            request = default;
            return false;
        }
        // The file changed since the first pass.
        if (request.ArrivalTime < _lastArrival) ThrowOutOfOrder(request.ArrivalTime, _reader.Line);
        _lastLine = _reader.Line;
        _lastArrival = request.ArrivalTime;
        _emitted++;
        return true;
    }

    public IWorkloadSource Clone()
    {
        var copy = new TraceFileWorkloadSource(_summary, ReorderWindow);
        for (long i = 0; i < _emitted; i++) copy.TryNext(0, null!, out _);
        return copy;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _reader = null;
    }

    private void ThrowOutOfOrder(double arrival, int line) =>
        throw OutOfOrder(_summary.Source, line, _reader!.ArrivalField, arrival, _lastArrival, _lastLine, ReorderWindow);

    /// <summary>The error for a row that arrives before a request already replayed (shared with <see cref="TraceReader.Scan"/>).</summary>
    internal static WorkloadFormatException OutOfOrder(string source, int line, string field, double arrival, double lastArrival, int lastLine, int window)
    {
        static string S(double seconds) => seconds.ToString("0.######", CultureInfo.InvariantCulture);
        return new WorkloadFormatException(source, line, field,
            $"arrives at {S(arrival)} s, before {S(lastArrival)} s (line {lastLine}), a request already replayed: the file is more than " +
            $"{window:N0} rows out of arrival order; sort it by arrival time");
    }
}
