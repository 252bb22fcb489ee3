using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TokenSim.Twin.Tests;

/// <summary><c>tokensim emulate</c> started as a process: the production stand-in whose replicas listen on <see cref="Port"/> + i.</summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    private EmulatorProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>A port p such that p .. p + count - 1 are all free now.</summary>
    public static int FreePorts(int count)
    {
        for (int attempt = 0; ; attempt++)
        {
            int p = ServerProcess.FreePort();
            var held = new List<TcpListener>();
            try
            {
                for (int i = 1; i < count; i++)
                {
                    if (!ServerProcess.Reserve(p + i)) throw new SocketException((int)SocketError.AddressAlreadyInUse);
                    var l = new TcpListener(IPAddress.Loopback, p + i);
                    l.Start();
                    held.Add(l);
                }
                return p;
            }
            catch (SocketException) when (attempt < 20) { }
            finally
            {
                foreach (var l in held) l.Stop();
            }
        }
    }

    public static Task<EmulatorProcess> StartAsync(int replicas, params string[] extra) => StartOnAsync(FreePorts(replicas), replicas, extra);

    /// <summary>Started on <paramref name="port"/> (replica i on port + i), for a sources file written before it starts.</summary>
    public static async Task<EmulatorProcess> StartOnAsync(int port, int replicas, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        string[] args = [ServerProcess.BuiltDll("TokenSim.Cli"), "emulate", "--model", "llama-3.1-8b", "--hardware", "a100-80g", "--replicas", $"{replicas}", "--port", $"{port}", .. extra];
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var e = new EmulatorProcess(Process.Start(psi)!, port);
        e._process.OutputDataReceived += (_, d) => { lock (e._log) e._log.AppendLine(d.Data); };
        e._process.ErrorDataReceived += (_, d) => { lock (e._log) e._log.AppendLine(d.Data); };
        e._process.BeginOutputReadLine();
        e._process.BeginErrorReadLine();
        // emulate prints its "emulating …" line only once every replica listens: wait for that, not for health answers.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!e.Log.Contains("emulating ", StringComparison.Ordinal))
        {
            if (e._process.HasExited) throw new InvalidOperationException($"emulate exited with {e._process.ExitCode}:\n{e.Log}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"emulate was not ready within 90 s:\n{e.Log}");
            await Task.Delay(100);
        }
        using var http = new HttpClient();
        for (int i = 0; i < replicas; i++)
            (await http.GetAsync($"http://127.0.0.1:{port + i}/health")).EnsureSuccessStatusCode();
        return e;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
