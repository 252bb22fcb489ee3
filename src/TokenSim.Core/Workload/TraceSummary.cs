namespace TokenSim.Core.Workload;

/// <summary>What a first pass over a trace file learns without keeping any row (<see cref="TraceReader.Scan"/>).</summary>
/// <param name="Requests">Rows in the file.</param>
/// <param name="NotFitting">Rows whose prompt + output exceed the context, or that ask for under one token.</param>
/// <param name="AzureOriginSeconds">For Azure, the earliest row's offset (seconds) from the first row: arrivals count from it.</param>
/// <param name="InOrder">Every row's arrival is at or after the row before it, so file order is arrival order and the replay needs no reorder heap.</param>
public sealed record TraceSummary(string Source, TraceFormat Format, bool HasArrivals, long Requests, long NotFitting, double AzureOriginSeconds, bool InOrder = false);
