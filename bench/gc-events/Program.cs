using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Analysis;
using Microsoft.Diagnostics.Tracing.Analysis.GC;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Reads a dotnet-trace file of a server (--profile gc-collect or gc-verbose) and prints what its GC did: each
// collection (generation, kind, why, pause, bytes promoted) with --list, then per generation and kind the count,
// pauses and reasons, and, where the trace has allocation ticks (gc-verbose), the types allocated on each heap.
// usage: dotnet bench/gc-events/bin/Release/net10.0/TokenSim.Bench.GcEvents.dll TRACE.nettrace [--list]
if (args.Length is < 1 or > 2 || (args.Length == 2 && args[1] != "--list") || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: TokenSim.Bench.GcEvents TRACE.nettrace [--list]   (a dotnet-trace file, --profile gc-collect or gc-verbose)");
    return 2;
}
if (!File.Exists(args[0]))
{
    Console.Error.WriteLine($"gc-events: no trace file '{args[0]}'");
    return 2;
}
bool list = args.Length == 2;
var gcs = new List<TraceGC>();
var allocByKind = new Dictionary<GCAllocationKind, double>();
var byType = new Dictionary<(GCAllocationKind, string), double>();
double first = double.NaN, last = 0;
try
{
    using var source = new EventPipeEventSource(args[0]);
    source.NeedLoadedDotNetRuntimes();
    source.AddCallbackOnProcessStart(p => p.AddCallbackOnDotNetRuntimeLoad(rt => rt.GCEnd += (_, gc) => gcs.Add(gc)));
    source.Clr.GCAllocationTick += e =>
    {
        allocByKind[e.AllocationKind] = allocByKind.GetValueOrDefault(e.AllocationKind) + e.AllocationAmount64;
        var key = (e.AllocationKind, e.TypeName ?? "?");
        byType[key] = byType.GetValueOrDefault(key) + e.AllocationAmount64;
    };
    source.AllEvents += e =>
    {
        if (double.IsNaN(first)) first = e.TimeStampRelativeMSec;
        last = e.TimeStampRelativeMSec;
    };
    source.Process();
}
catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"gc-events: '{args[0]}' is not a readable nettrace file ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
    return 2;
}
Console.WriteLine($"trace {(last - first) / 1000:F1} s, {gcs.Count} GCs");
if (list)
    foreach (var g in gcs)
        Console.WriteLine($"{g.StartRelativeMSec / 1000,8:F3} s  #{g.Number,-5} gen{g.Generation} {g.Type,-16} {g.Reason,-12} pause {g.PauseDurationMSec,6:F1} ms  promoted {g.PromotedMB,6:F1} MB  heap after {g.HeapSizeAfterMB,6:F1} MB  allocated before {g.AllocedSinceLastGCMB,6:F1} MB");
foreach (var group in gcs.GroupBy(g => (g.Generation, g.Type)).OrderBy(x => x.Key))
{
    var pauses = group.Select(g => g.PauseDurationMSec).Order().ToArray();
    Console.WriteLine($"gen{group.Key.Generation} {group.Key.Type}: {pauses.Length}, paused {pauses.Sum():F0} ms (median {pauses[pauses.Length / 2]:F1}, max {pauses[^1]:F1}), " +
        $"promoted {group.Sum(g => g.PromotedMB):F0} MB; why: {string.Join(", ", group.GroupBy(g => g.Reason).Select(r => $"{r.Key} {r.Count()}"))}");
}
Console.WriteLine($"all: paused {gcs.Sum(g => g.PauseDurationMSec):F0} ms, {gcs.Count(g => g.PauseDurationMSec > 50)} pauses over 50 ms, {gcs.Count(g => g.PauseDurationMSec > 100)} over 100 ms; " +
    $"allocated {gcs.Sum(g => g.AllocedSinceLastGCMB):F0} MB");
foreach (var (kind, bytes) in allocByKind.OrderBy(x => x.Key))
{
    Console.WriteLine($"allocation ticks, {kind}: {bytes / 1e6:F0} MB");
    foreach (var ((_, type), b) in byType.Where(x => x.Key.Item1 == kind).OrderByDescending(x => x.Value).Take(kind == GCAllocationKind.Small ? 10 : 6))
        Console.WriteLine($"  {b / 1e6,8:F1} MB  {type}");
}
return 0;
