using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using nietras.SeparatedValues;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// Reads a trace one row at a time, in the file's order, keeping nothing of the rows already read: the format is
/// detected from the first non-blank line (CSV header or JSON keys), plain or gzip-compressed (<c>.gz</c>). A bad
/// row throws <see cref="WorkloadFormatException"/> naming file, line and field.
/// </summary>
/// <remarks>
/// Vidur, Mooncake and LLMServingSim arrivals are returned as they are (seconds). Azure's wall-clock timestamps become
/// seconds since the first row, less <c>azureOriginSeconds</c>: a caller that knows the earliest row's offset (a
/// first pass) passes it so that arrivals count from the earliest request, as <see cref="TraceReader.Read"/> does.
/// </remarks>
public sealed class TraceRowReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly SepReader? _csv;
    private readonly string[] _cols = [];
    private readonly int _tCol = -1, _pCol = -1, _oCol = -1;
    private readonly int _headerLine;
    private readonly double _azureOriginSeconds;
    private DateTime? _origin;

    public TraceRowReader(Stream stream, string source, double azureOriginSeconds = 0)
    {
        Source = source;
        _azureOriginSeconds = azureOriginSeconds;
        if (source.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
        _reader = new StreamReader(stream);
        int lineNo = SkipBlank(_reader);
        if (_reader.Peek() < 0) { _reader.Dispose(); throw new WorkloadFormatException(source, lineNo, null, "the file is empty"); }
        if (_reader.Peek() == '{')
        {
            // JSON lines: the first line is a row; its keys decide the format when it is parsed.
            Line = lineNo - 1;
            HasArrivals = true;
            return;
        }
        _csv = CsvFormat.Open(_reader);
        _csv.MoveNext();
        var header = _csv.Current;
        _headerLine = lineNo;
        Line = lineNo;
        _cols = new string[header.ColCount];
        for (int i = 0; i < _cols.Length; i++) _cols[i] = header[i].ToString();
        int Col(string name) => Array.FindIndex(_cols, c => c.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (Col("ContextTokens") >= 0 && Col("GeneratedTokens") >= 0)
        {
            Format = TraceFormat.Azure;
            (_tCol, _pCol, _oCol) = (Col("TIMESTAMP"), Col("ContextTokens"), Col("GeneratedTokens"));
            if (_tCol < 0) { Dispose(); throw new WorkloadFormatException(source, lineNo, "TIMESTAMP", "Azure trace header has no TIMESTAMP column"); }
        }
        else if (Col("num_prefill_tokens") >= 0 && Col("num_decode_tokens") >= 0)
        {
            Format = TraceFormat.Vidur;
            (_tCol, _pCol, _oCol) = (Col("arrived_at"), Col("num_prefill_tokens"), Col("num_decode_tokens"));
        }
        else
        {
            string first = header.Span.ToString();
            Dispose();
            throw new WorkloadFormatException(source, lineNo, null,
                $"unrecognised CSV header '{first}'. Expected Vidur (arrived_at,num_prefill_tokens,num_decode_tokens) or Azure (TIMESTAMP,ContextTokens,GeneratedTokens)");
        }
        HasArrivals = _tCol >= 0;
    }

    /// <summary>
    /// Consumes the blank lines and leading whitespace before the first row and returns that row's 1-based line,
    /// counting line breaks as <see cref="TextReader.ReadLine"/> does (CR, LF or CR LF). The first row's first
    /// character is left unread so the format (CSV or JSON) can be told from it.
    /// </summary>
    private static int SkipBlank(StreamReader reader)
    {
        int line = 1;
        for (int c = reader.Peek(); c >= 0 && char.IsWhiteSpace((char)c); c = reader.Peek())
        {
            reader.Read();
            if (c == '\r' && reader.Peek() == '\n') reader.Read();
            if (c is '\r' or '\n') line++;
        }
        return line;
    }

    public static TraceRowReader OpenFile(string path, double azureOriginSeconds = 0)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Workload file '{path}' does not exist.", path);
        return new TraceRowReader(File.OpenRead(path), path, azureOriginSeconds);
    }

    public string Source { get; }

    /// <summary>The format; for JSON lines it is known once the first row has been read.</summary>
    public TraceFormat? Format { get; private set; }

    /// <summary>Whether rows carry arrival times (a Vidur trace may have lengths only).</summary>
    public bool HasArrivals { get; }

    /// <summary>The 1-based line of the row last read (of the header before any).</summary>
    public int Line { get; private set; }

    /// <summary>The name of the arrival-time field, for messages.</summary>
    public string ArrivalField => Format switch
    {
        TraceFormat.Azure or TraceFormat.Vidur => _tCol >= 0 ? _cols[_tCol] : "arrived_at",
        TraceFormat.Mooncake => "timestamp",
        _ => "arrival_time_ns",
    };

    /// <summary>The next row, or false at the end of the file.</summary>
    public bool TryRead(out RequestSpec request)
    {
        if (_csv is not null)
        {
            while (_csv.MoveNext())
            {
                var row = _csv.Current;
                if (CsvFormat.IsBlank(row)) continue;
                // Sep counts lines from the header, which is line _headerLine of the file.
                Line = _headerLine - 1 + CsvFormat.LineOf(row);
                request = ParseCsv(row);
                return true;
            }
            request = default;
            return false;
        }
        while (_reader.ReadLine() is { } text)
        {
            Line++;
            if (text.AsSpan().IsWhiteSpace()) continue;
            request = ParseJson(text);
            return true;
        }
        request = default;
        return false;
    }

    public void Dispose()
    {
        _csv?.Dispose();
        _reader.Dispose();
    }

    private RequestSpec ParseCsv(SepReader.Row row)
    {
        int prompt = ParseCount(Field(row, _pCol), Source, Line, _cols[_pCol]);
        int output = ParseCount(Field(row, _oCol), Source, Line, _cols[_oCol]);
        double arrival = 0;
        if (Format == TraceFormat.Azure)
        {
            var raw = Field(row, _tCol);
            if (!DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var ts))
                throw new WorkloadFormatException(Source, Line, _cols[_tCol], $"'{raw}' is not a timestamp");
            _origin ??= ts;
            arrival = (ts - _origin.Value).TotalSeconds;
            if (_azureOriginSeconds != 0) arrival -= _azureOriginSeconds;
        }
        else if (_tCol >= 0)
        {
            var raw = Field(row, _tCol);
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out arrival) || !double.IsFinite(arrival) || arrival < 0)
                throw new WorkloadFormatException(Source, Line, _cols[_tCol], $"'{raw}' is not a non-negative number of seconds");
        }
        return new RequestSpec(arrival, prompt, output);
    }

    /// <summary>A cell of the current row, read in place (no string per cell on the streaming path).</summary>
    private ReadOnlySpan<char> Field(SepReader.Row row, int i) =>
        i < row.ColCount ? row[i].Span
            : throw new WorkloadFormatException(Source, Line, _cols[i], $"missing (the row has {row.ColCount} columns, the header {_cols.Length})");

    private RequestSpec ParseJson(string text)
    {
        int line = Line;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new WorkloadFormatException(Source, line, null, $"not valid JSON ({e.Message})"); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new WorkloadFormatException(Source, line, null, "each line must be a JSON object");
            Format ??= o.TryGetProperty("arrival_time_ns", out _) || o.TryGetProperty("input_toks", out _) ? TraceFormat.LlmServingSim
                : o.TryGetProperty("input_length", out _) ? TraceFormat.Mooncake
                : throw new WorkloadFormatException(Source, line, null, "unrecognised JSON trace: expected Mooncake (timestamp, input_length, output_length, hash_ids) or LLMServingSim (arrival_time_ns, input_toks, output_toks) keys");
            return Format == TraceFormat.Mooncake ? ReadMooncake(o, Source, line) : ReadLlmServingSim(o, Source, line);
        }
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

    private static int ParseCount(ReadOnlySpan<char> raw, string source, int line, string field)
    {
        // Vidur writes counts as floats ("4065.0"); accept whole numbers in either form.
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0) return n;
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= int.MaxValue && d == Math.Floor(d)) return (int)d;
        throw new WorkloadFormatException(source, line, field, $"'{raw}' is not a non-negative integer token count");
    }
}
