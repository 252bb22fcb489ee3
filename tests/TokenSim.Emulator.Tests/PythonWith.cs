using System.Diagnostics;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// Finds a python3 that can import what a test drives: the one on PATH first, then /usr/bin/python3, since a pyenv
/// python on PATH does not see Debian's packages.
/// </summary>
internal sealed class PythonWith(string[] modules, string install)
{
    /// <summary>vLLM's KV-event wire: pyzmq and msgpack.</summary>
    public static readonly PythonWith Zmq = new(["zmq", "msgpack"], "Debian's python3-zmq and python3-msgpack");
    /// <summary>The Python client's tests: grpcio, protobuf and pytest.</summary>
    public static readonly PythonWith Grpc = new(["grpc", "google.protobuf", "pytest"], "Debian's python3-grpcio, python3-protobuf and python3-pytest (.ci/run does)");

    private readonly Lazy<(string? Path, string Missing)> _found = new(() => Find(modules, install));

    public string? Path => _found.Value.Path;
    /// <summary>Why there is none, naming what is missing.</summary>
    public string Missing => _found.Value.Missing;

    private static (string?, string) Find(string[] modules, string install)
    {
        bool anyPython = false;
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            int? rc = Run(candidate, $"-c \"import {string.Join(", ", modules)}\"");
            if (rc == 0) return (candidate, "");
            anyPython |= rc is not null;
        }
        string names = string.Join(", ", modules[..^1]) + (modules.Length > 1 ? " and " : "") + modules[^1];
        return (null, anyPython ? $"python3 cannot import {names}: install {install}" : "python3 is not installed");
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
