using nietras.SeparatedValues;

namespace TokenSim.Core.Workload;

/// <summary>
/// The one way TokenSim opens a CSV file (traces and profile tables): Sep, RFC 4180 quoting, cells trimmed, the
/// header read as an ordinary first row so that its problems (a column named twice, a short row) come back as
/// <see cref="WorkloadFormatException"/>s naming file, line and field rather than as Sep's own exceptions.
/// </summary>
internal static class CsvFormat
{
    // The separator is fixed: Sep would otherwise guess it from the header, and a header with a ';' in a name
    // would be split on ';'. Column counts are checked by the callers, whose errors name the missing column.
    private static readonly SepReaderOptions Options = Sep.New(',').Reader(o => o with
    {
        HasHeader = false,
        Unescape = true,
        Trim = SepTrim.All,
        DisableColCountCheck = true,
    });

    public static SepReader Open(TextReader reader) => Options.From(reader);

    /// <summary>
    /// The 1-based line, counted from the first line Sep read, where <paramref name="row"/> starts. Sep reports the
    /// first row of a headerless read as ending where it starts, so that row's line is 1 by construction.
    /// </summary>
    public static int LineOf(in SepReader.Row row) => row.RowIndex == 0 ? 1 : row.LineNumberFrom;

    /// <summary>Whether a row is a blank line (only whitespace), which every TokenSim CSV reader skips.</summary>
    public static bool IsBlank(in SepReader.Row row) => row.Span.IsWhiteSpace();
}
