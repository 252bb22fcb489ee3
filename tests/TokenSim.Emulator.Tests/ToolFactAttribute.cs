namespace TokenSim.Emulator.Tests;

/// <summary>
/// A test that needs real programs from PATH (Prometheus, hey, Python with pyzmq). When one is missing the test is
/// skipped with a reason naming it, so the test command works on a fresh machine; .ci/run installs them all and
/// fails on any skip.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.Where(t => Tools.Find(t) is null).ToList();
        if (missing.Count > 0) Skip = $"needs {string.Join(", ", missing)} on PATH";
    }
}

internal static class Tools
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
