namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>A profile file that cannot be used, named by file and field (a YAML key path or a table's operator).</summary>
public sealed class ProfileFormatException(string file, string? field, string problem)
    : FormatException($"{file}: {(field is null ? "" : $"field '{field}': ")}{problem}")
{
    public string File { get; } = file;
    public string? Field { get; } = field;
}
