using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// Reads every trace format in <see cref="TraceFormat"/>, detected from the content (CSV header or JSON keys),
/// plain or gzip-compressed. A bad row throws <see cref="WorkloadFormatException"/> naming file, line and field.
/// Relative arrival times (Vidur, Mooncake, LLMServingSim) are kept as they are; Azure's wall-clock timestamps
/// become seconds since the first row.
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
        if (source.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        string? first;
        int lineNo = 0;
        do { first = reader.ReadLine(); lineNo++; } while (first is not null && first.Trim().Length == 0);
        if (first is null) throw new WorkloadFormatException(source, lineNo, null, "the file is empty");
        return first.TrimStart().StartsWith('{')
            ? ReadJsonLines(reader, first, lineNo, source)
            : ReadCsv(reader, first, lineNo, source);
    }

    private static Trace ReadCsv(StreamReader reader, string header, int headerLine, string source)
    {
        var cols = header.Split(',').Select(c => c.Trim()).ToArray();
        int Col(string name) => Array.FindIndex(cols, c => c.Equals(name, StringComparison.OrdinalIgnoreCase));
        TraceFormat format;
        int tCol, pCol, oCol;
        if (Col("ContextTokens") >= 0 && Col("GeneratedTokens") >= 0)
        {
            format = TraceFormat.Azure;
            (tCol, pCol, oCol) = (Col("TIMESTAMP"), Col("ContextTokens"), Col("GeneratedTokens"));
            if (tCol < 0) throw new WorkloadFormatException(source, headerLine, "TIMESTAMP", "Azure trace header has no TIMESTAMP column");
        }
        else if (Col("num_prefill_tokens") >= 0 && Col("num_decode_tokens") >= 0)
        {
            format = TraceFormat.Vidur;
            (tCol, pCol, oCol) = (Col("arrived_at"), Col("num_prefill_tokens"), Col("num_decode_tokens"));
        }
        else
        {
            throw new WorkloadFormatException(source, headerLine, null,
                $"unrecognised CSV header '{header}'. Expected Vidur (arrived_at,num_prefill_tokens,num_decode_tokens) or Azure (TIMESTAMP,ContextTokens,GeneratedTokens)");
        }

        var list = new List<RequestSpec>();
        int line = headerLine;
        DateTime? origin = null;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var f = text.Split(',');
            string Field(int i, string name) =>
                i < f.Length ? f[i].Trim() : throw new WorkloadFormatException(source, line, name, $"missing (the row has {f.Length} columns, the header {cols.Length})");
            int prompt = ParseCount(Field(pCol, cols[pCol]), source, line, cols[pCol]);
            int output = ParseCount(Field(oCol, cols[oCol]), source, line, cols[oCol]);
            double arrival = 0;
            if (format == TraceFormat.Azure)
            {
                var raw = Field(tCol, cols[tCol]);
                if (!DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var ts))
                    throw new WorkloadFormatException(source, line, cols[tCol], $"'{raw}' is not a timestamp");
                origin ??= ts;
                arrival = (ts - origin.Value).TotalSeconds;
            }
            else if (tCol >= 0)
            {
                var raw = Field(tCol, cols[tCol]);
                if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out arrival) || !double.IsFinite(arrival) || arrival < 0)
                    throw new WorkloadFormatException(source, line, cols[tCol], $"'{raw}' is not a non-negative number of seconds");
            }
            list.Add(new RequestSpec(arrival, prompt, output));
        }
        if (format == TraceFormat.Azure) Shift(list, list.Count == 0 ? 0 : list.Min(r => r.ArrivalTime));
        return new Trace(source, format, list, tCol >= 0);
    }

    private static Trace ReadJsonLines(StreamReader reader, string first, int firstLine, string source)
    {
        var list = new List<RequestSpec>();
        TraceFormat? format = null;
        int line = firstLine;
        for (string? text = first; text is not null; text = reader.ReadLine(), line++)
        {
            if (text.Trim().Length == 0) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new WorkloadFormatException(source, line, null, $"not valid JSON ({e.Message})"); }
            using (doc)
            {
                var o = doc.RootElement;
                if (o.ValueKind != JsonValueKind.Object) throw new WorkloadFormatException(source, line, null, "each line must be a JSON object");
                format ??= o.TryGetProperty("arrival_time_ns", out _) || o.TryGetProperty("input_toks", out _) ? TraceFormat.LlmServingSim
                    : o.TryGetProperty("input_length", out _) ? TraceFormat.Mooncake
                    : throw new WorkloadFormatException(source, line, null, "unrecognised JSON trace: expected Mooncake (timestamp, input_length, output_length, hash_ids) or LLMServingSim (arrival_time_ns, input_toks, output_toks) keys");
                list.Add(format == TraceFormat.Mooncake ? ReadMooncake(o, source, line) : ReadLlmServingSim(o, source, line));
            }
        }
        return new Trace(source, format!.Value, list, true);
    }

    private static RequestSpec ReadMooncake(JsonElement o, string source, int line)
    {
        double ms = Number(o, "timestamp", source, line);
        int[]? hashes = null;
        if (o.TryGetProperty("hash_ids", out var h))
        {
            if (h.ValueKind != JsonValueKind.Array) throw new WorkloadFormatException(source, line, "hash_ids", "must be an array of integers");
            hashes = new int[h.GetArrayLength()];
            int i = 0;
            foreach (var x in h.EnumerateArray())
                hashes[i++] = x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var v) ? v : throw new WorkloadFormatException(source, line, "hash_ids", $"element {i} is not an integer");
        }
        return new RequestSpec(ms / 1000.0, Count(o, "input_length", source, line), Count(o, "output_length", source, line), PrefixHashes: hashes);
    }

    private static RequestSpec ReadLlmServingSim(JsonElement o, string source, int line)
    {
        double ns = Number(o, "arrival_time_ns", source, line);
        int[]? ids = null;
        if (o.TryGetProperty("input_tok_ids", out var t) && t.ValueKind == JsonValueKind.Array)
        {
            ids = new int[t.GetArrayLength()];
            int i = 0;
            foreach (var x in t.EnumerateArray())
                ids[i++] = x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var v) ? v : throw new WorkloadFormatException(source, line, "input_tok_ids", $"element {i} is not an integer token id");
        }
        return new RequestSpec(ns / 1e9, Count(o, "input_toks", source, line), Count(o, "output_toks", source, line), TokenIds: ids);
    }

    private static double Number(JsonElement o, string field, string source, int line)
    {
        if (!o.TryGetProperty(field, out var v)) throw new WorkloadFormatException(source, line, field, "missing");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d) || d < 0)
            throw new WorkloadFormatException(source, line, field, $"'{v.GetRawText()}' is not a non-negative number");
        return d;
    }

    private static int Count(JsonElement o, string field, string source, int line)
    {
        if (!o.TryGetProperty(field, out var v)) throw new WorkloadFormatException(source, line, field, "missing");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < 0)
            throw new WorkloadFormatException(source, line, field, $"'{v.GetRawText()}' is not a non-negative integer token count");
        return n;
    }

    private static int ParseCount(string raw, string source, int line, string field)
    {
        // Vidur writes counts as floats ("4065.0"); accept whole numbers in either form.
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0) return n;
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= int.MaxValue && d == Math.Floor(d)) return (int)d;
        throw new WorkloadFormatException(source, line, field, $"'{raw}' is not a non-negative integer token count");
    }

    private static void Shift(List<RequestSpec> list, double origin)
    {
        if (origin == 0) return;
        for (int i = 0; i < list.Count; i++) list[i] = list[i] with { ArrivalTime = list[i].ArrivalTime - origin };
    }
}
