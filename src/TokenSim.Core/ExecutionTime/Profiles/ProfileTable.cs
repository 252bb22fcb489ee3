namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>One measured table of a profile (a CSV file, or one operator within it), ready to interpolate.</summary>
/// <param name="File">The file it came from.</param>
/// <param name="Name">What it measures, e.g. <c>dense.csv:gate_up_proj</c>.</param>
/// <param name="Interpolator">Its points (in seconds) and the interpolation the simulator uses on them.</param>
public sealed record ProfileTable(string File, string Name, GridInterpolator Interpolator);

/// <summary>A set of measured operator tables from one profiler, for one GPU, model and TP degree.</summary>
public interface IOperatorProfile
{
    /// <summary>Where it was read from.</summary>
    string Source { get; }
    /// <summary>The profiler's format, e.g. <c>llmservingsim</c>, <c>vidur</c>, <c>aiconfigurator</c>.</summary>
    string Format { get; }
    IReadOnlyList<ProfileTable> Tables { get; }
}
