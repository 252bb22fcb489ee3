namespace TokenSim.Twin.Tests;

/// <summary>
/// Tests that build clients/python in place (pip writes its build/ and egg-info folders into the source tree) run one
/// at a time, so one build does not read another's half-written folders.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PythonClientTree
{
    public const string Name = "clients/python, built in place";
}
