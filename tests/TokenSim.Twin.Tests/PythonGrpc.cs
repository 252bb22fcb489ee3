using System.Diagnostics;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Finds a python3 that can import grpc, google.protobuf and pytest (Debian's python3-grpcio, python3-protobuf and
/// python3-pytest): the one on PATH first, then /usr/bin/python3, since a pyenv python on PATH does not see Debian's
/// packages.
/// </summary>
internal static class PythonGrpc
{
    private static readonly Lazy<(string? Path, string Missing)> Found = new(Find);

    public static string? Path => Found.Value.Path;
    /// <summary>Why there is none, naming what is missing.</summary>
    public static string Missing => Found.Value.Missing;

    private static (string?, string) Find()
    {
        bool anyPython = false;
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            int? rc = Run(candidate, "-c \"import grpc, google.protobuf, pytest\"");
            if (rc == 0) return (candidate, "");
            anyPython |= rc is not null;
        }
        return (null, anyPython
            ? "python3 cannot import grpc, google.protobuf and pytest: install Debian's python3-grpcio, python3-protobuf and python3-pytest (.ci/run does)"
            : "python3 is not installed");
    }

    private static int? Run(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (p is null) return null;
            if (!p.WaitForExit(10_000)) { p.Kill(); return null; }
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
