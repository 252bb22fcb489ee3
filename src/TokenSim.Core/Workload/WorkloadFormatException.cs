namespace TokenSim.Core.Workload;

/// <summary>A trace row that cannot be read, named by file, line and field.</summary>
public sealed class WorkloadFormatException(string file, int line, string? field, string problem)
    : FormatException($"{file}:{line}: {(field is null ? "" : $"field '{field}': ")}{problem}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public string? Field { get; } = field;
}
