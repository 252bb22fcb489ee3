using System.Diagnostics;
using System.Net.Sockets;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A throwaway redis-server from PATH on a free port: without snapshots or an append-only file, or, given a folder,
/// with an append-only file synced on every write, so that it can be killed and restarted holding what it took.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    public const string Missing = "redis-server is not on PATH (apt-get install redis-server): the Redis persistence test needs it.";

    private readonly Process _process;
    private readonly string? _dataDir;

    private RedisServer(Process process, int port, string? dataDir)
    {
        _process = process;
        Port = port;
        _dataDir = dataDir;
    }

    public int Port { get; }
    public string Connection => $"127.0.0.1:{Port}";

    public static string? Executable => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists);

    /// <summary>Kills the process (SIGKILL: a crash, nothing flushed beyond what each write synced).</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>A new redis-server on the same port and folder, reading back the append-only file.</summary>
    public Task<RedisServer> RestartAsync() => StartAsync(_dataDir, Port);

    /// <param name="dataDir">null: nothing persisted; else the folder of an append-only file synced on every write.</param>
    /// <param name="port">null: a free port.</param>
    public static async Task<RedisServer> StartAsync(string? dataDir = null, int? port = null)
    {
        int p = port ?? ServerProcess.FreePort();
        var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(Missing))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dataDir ?? Path.GetTempPath(),
        };
        string[] persistence = dataDir is null ? ["--appendonly", "no"] : ["--dir", dataDir, "--appendonly", "yes", "--appendfsync", "always"];
        foreach (var a in (string[])["--port", $"{p}", "--bind", "127.0.0.1", "--save", "", .. persistence]) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"redis-server exited with {process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", p);
                return new RedisServer(process, p, dataDir);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
