using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>A request trace read from a file: requests with arrival times (seconds from the first) and lengths.</summary>
public sealed record Trace(string Source, TraceFormat Format, IReadOnlyList<RequestSpec> Requests, bool HasArrivals)
{
    /// <summary>(prompt, output) rows that fit a context of <paramref name="maxModelLen"/>, and a note on those left out.</summary>
    public ((int Prompt, int Output)[] Rows, long LeftOut, string? Note) LengthsFitting(int maxModelLen) =>
        LengthsFitting(Requests, Source, maxModelLen);

    /// <summary>
    /// The same for rows read one at a time (a <see cref="TraceRowReader"/>): only the fitting (prompt, output) pairs
    /// are kept, 8 bytes a row.
    /// </summary>
    public static ((int Prompt, int Output)[] Rows, long LeftOut, string? Note) LengthsFitting(IEnumerable<RequestSpec> requests, string source, int maxModelLen)
    {
        var rows = new List<(int, int)>(requests is IReadOnlyCollection<RequestSpec> c ? c.Count : 0);
        long count = 0, tooLong = 0, promptTooLong = 0, invalid = 0;
        foreach (var r in requests)
        {
            count++;
            if (r.PromptTokens < 1 || r.OutputTokens < 1) { invalid++; continue; }
            if (r.PromptTokens + r.OutputTokens > maxModelLen)
            {
                tooLong++;
                if (r.PromptTokens > maxModelLen) promptTooLong++;
                continue;
            }
            rows.Add((r.PromptTokens, r.OutputTokens));
        }
        var notes = new List<string>();
        if (tooLong > 0) notes.Add($"{tooLong:N0} of {count:N0} rows have prompt + output over max_model_len {maxModelLen:N0} ({promptTooLong:N0} of them prompts alone)");
        if (invalid > 0) notes.Add($"{invalid:N0} rows have a prompt or output under 1 token");
        return (rows.ToArray(), tooLong + invalid, notes.Count == 0 ? null : $"lengths from {Path.GetFileName(source)}: left out {string.Join("; ", notes)}");
    }
}
