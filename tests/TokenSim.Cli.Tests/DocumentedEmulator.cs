using System.Diagnostics;

namespace TokenSim.Cli.Tests;

/// <summary>
/// A documented <c>tokensim emulate</c> line running as its own process (with the variables the line sets), its
/// ports mapped (<see cref="PortMap"/>), returned once every replica answers <c>/health</c>.
/// </summary>
internal sealed class DocumentedEmulator : IAsyncDisposable
{
    private readonly Task<string> _stdout, _stderr;

    private DocumentedEmulator(Process process, PortMap ports)
    {
        Process = process;
        Ports = ports;
        _stderr = process.StandardError.ReadToEndAsync();
        _stdout = process.StandardOutput.ReadToEndAsync();
    }

    public Process Process { get; }
    public PortMap Ports { get; }

    public static async Task<DocumentedEmulator> StartAsync(DocumentedCommand c)
    {
        var ports = new PortMap();
        int replicas = c.Args.Contains("--replicas") ? int.Parse(c.Args[Array.IndexOf(c.Args, "--replicas") + 1]) : 1;
        Assert.True(replicas <= 2, $"{c}: more replicas than the two consecutive ports a documented port is given");
        // Replica i serves on the documented port + i (8000 is emulate's default port).
        int documentedPort = c.Args.Contains("--port") ? int.Parse(c.Args[Array.IndexOf(c.Args, "--port") + 1]) : 8000;
        for (int i = 1; i < replicas; i++) ports.Beside(documentedPort, i);
        var args = c.Args.Select(ports.Rewrite).ToList();
        if (!args.Contains("--port")) args.AddRange(["--port", ports[8000].ToString()]);
        int port = int.Parse(args[args.IndexOf("--port") + 1]);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TokenSim.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in c.Env) psi.Environment[name] = ports.Rewrite(value);
        var emulator = new DocumentedEmulator(Process.Start(psi)!, ports);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var deadline = DateTime.UtcNow.AddSeconds(90);
            for (int i = 0; i < replicas; i++)
                while (true)
                {
                    try { (await http.GetAsync($"http://127.0.0.1:{port + i}/health")).EnsureSuccessStatusCode(); break; }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline && !emulator.Process.HasExited) { await Task.Delay(250); }
                    catch (Exception e) when (emulator.Process.HasExited)
                    {
                        Assert.Fail($"{c}\nran: tokensim {string.Join(' ', args)}\nexited {emulator.Process.ExitCode} before port {port + i} answered ({e.Message}):\n{await emulator._stderr}");
                    }
                }
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops it with SIGTERM, as Ctrl-C or a process manager would; its exit code and output.</summary>
    public async Task<(bool Stopped, int ExitCode, string Stdout, string Stderr)> StopAsync()
    {
        if (!Process.HasExited) Process.Start("kill", ["-TERM", Process.Id.ToString()])!.WaitForExit();
        bool stopped = Process.WaitForExit(20_000);
        if (!stopped) Process.Kill(true);
        return (stopped, Process.ExitCode, await _stdout, await _stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }
}
