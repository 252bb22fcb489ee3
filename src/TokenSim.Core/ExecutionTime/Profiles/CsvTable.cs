using System.Globalization;
using nietras.SeparatedValues;
using TokenSim.Core.Workload;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>A profile table read whole through <see cref="CsvFormat"/>: named columns, numeric cells, errors by file, line and column.</summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(string path, string[] header, List<(int Line, string[] Cells)> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
        _columns = header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i, StringComparer.OrdinalIgnoreCase);
    }

    public string Path { get; }
    public string[] Header { get; }
    public List<(int Line, string[] Cells)> Rows { get; }

    /// <summary>Reads <paramref name="path"/>, plain or gzip-compressed (<c>.gz</c>).</summary>
    public static CsvTable Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Profile table '{path}' does not exist.", path);
        try
        {
            return ReadText(path);
        }
        catch (InvalidDataException e)
        {
            // A truncated or corrupted .gz fails inside the decompressor: name the file, not the stream.
            throw new WorkloadFormatException(path, 1, null, $"not valid gzip data ({e.Message})");
        }
    }

    private static CsvTable ReadText(string path)
    {
        using var csv = CsvFormat.Open(ProfileReader.OpenText(path));
        if (!csv.MoveNext()) throw new WorkloadFormatException(path, 1, null, "the file is empty");
        var header = Cells(csv.Current);
        var rows = new List<(int, string[])>();
        foreach (var row in csv)
        {
            if (CsvFormat.IsBlank(row)) continue;
            int line = CsvFormat.LineOf(row);
            var cells = Cells(row);
            if (cells.Length < header.Length) throw new WorkloadFormatException(path, line, header[cells.Length], $"missing (the row has {cells.Length} columns, the header {header.Length})");
            rows.Add((line, cells));
        }
        // A column named twice would make every lookup of it ambiguous.
        var twice = header.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new WorkloadFormatException(path, 1, twice.Key, "appears twice in the header");
        // A table with a header and nothing under it is a truncated copy, not a profile with nothing to say.
        if (rows.Count == 0) throw new WorkloadFormatException(path, 2, null, "the table has no rows");
        return new CsvTable(path, header, rows);
    }

    private static string[] Cells(SepReader.Row row)
    {
        var cells = new string[row.ColCount];
        for (int i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
        return cells;
    }

    public bool Has(string column) => _columns.ContainsKey(column);

    public int Column(string name) => _columns.TryGetValue(name, out var i) ? i
        : throw new WorkloadFormatException(Path, 1, name, $"column is missing (header: {string.Join(",", Header)})");

    public string Text(int line, string[] cells, int column) => cells[column].Trim();

    public double Number(int line, string[] cells, int column)
    {
        var raw = cells[column].Trim();
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
        throw new WorkloadFormatException(Path, line, Header[column], $"'{raw}' is not a number");
    }

    /// <summary>A time cell that must be positive (a kernel takes some time).</summary>
    public double Time(int line, string[] cells, int column)
    {
        double v = Number(line, cells, column);
        return v > 0 ? v : throw new WorkloadFormatException(Path, line, Header[column], $"'{cells[column].Trim()}' is not a positive time");
    }
}
