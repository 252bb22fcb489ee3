using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace TokenSim.Twin.Tests;

/// <summary>
/// TokenSim.Server started as the scorecard starts it (<c>dotnet TokenSim.Server.dll</c>), on free ports and with a
/// 1 s lateness bound, so the
/// services are tested over a real Kestrel HTTP/2 port with Grpc.Net.Client.
/// </summary>
public class ServerProcess : IAsyncLifetime
{
    private readonly string? _apiKey;
    private readonly string[] _extraArgs;
    private Process? _process;
    private readonly System.Text.StringBuilder _log = new();

    public ServerProcess() : this(null) { }

    protected ServerProcess(string? apiKey, params string[] extraArgs)
    {
        _apiKey = apiKey;
        _extraArgs = extraArgs;
    }

    public int GrpcPort { get; } = FreePort();
    public int MetricsPort { get; } = FreePort();
    public int SiloPort { get; } = FreePort();
    public int GatewayPort { get; } = FreePort();
    public GrpcChannel Channel { get; private set; } = null!;
    /// <summary>Environment variables set for the server process (e.g. OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public Dictionary<string, string> Environment { get; } = [];
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768 up), so no outgoing connection of this machine takes it as
    /// its local port before the server binds it, and never one this test process handed out before: parallel tests
    /// asking for ports at the same moment get different ones. (The OS's own "port 0" choice is from the ephemeral range
    /// and can repeat at once.)
    /// </summary>
    public static int FreePort()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = Random.Shared.Next(20_000, 32_000);
            lock (HandedOut)
                if (!HandedOut.Add(port)) continue;
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException) when (attempt < 1000) { }
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>Marks <paramref name="port"/> as handed out (a port next to one <see cref="FreePort"/> gave).</summary>
    public static bool Reserve(int port)
    {
        lock (HandedOut) return HandedOut.Add(port);
    }

    /// <summary>A build output of this test run's configuration (Debug or Release).</summary>
    public static string BuiltDll(string project)
    {
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(TestData.RepoRoot, "src", project, "bin", config, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built.", dll);
    }

    public async Task InitializeAsync()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        string[] args = [BuiltDll("TokenSim.Server"), "--grpc-port", $"{GrpcPort}", "--metrics-port", $"{MetricsPort}", "--silo-port", $"{SiloPort}", "--gateway-port", $"{GatewayPort}", "--lateness", "1", .. _extraArgs];
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (_apiKey is not null) psi.Environment["TOKENSIM_API_KEY"] = _apiKey;
        else psi.Environment.Remove("TOKENSIM_API_KEY");
        foreach (var (name, value) in Environment) psi.Environment[name] = value;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        // Generous: a cluster test starts three server processes, and CI machines can be starved.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Log}");
            try
            {
                (await http.GetAsync($"http://127.0.0.1:{MetricsPort}/metrics")).EnsureSuccessStatusCode();
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
    }

    public async Task<string> MetricsTextAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/metrics");
    }

    public Metadata Headers(string? key)
    {
        var m = new Metadata();
        if (key is not null) m.Add("x-api-key", key);
        return m;
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;   // disposing twice (a test that killed it, then its cleanup) is fine
    }
}

/// <summary>A server whose twin persists to the Redis at <paramref name="redis"/>.</summary>
public sealed class RedisServerProcess(string redis) : ServerProcess(null, "--redis", redis);

/// <summary>A server with any further flags (a cluster member: <c>--role</c>, <c>--cluster-redis</c>, …).</summary>
public sealed class FlaggedServerProcess(params string[] args) : ServerProcess(null, args);

/// <summary>A server whose scored forecasts are never skipped for CPU, so what it scores does not depend on the machine's load.</summary>
public sealed class UnbudgetedForecastServerProcess() : ServerProcess(null, "--forecast-score-budget", "1000");

/// <summary>A server that requires the API key <see cref="Key"/>.</summary>
public sealed class KeyedServerProcess() : ServerProcess(Key)
{
    public const string Key = "s3cret-key";
}

/// <summary>
/// A server with a sources file and, when <paramref name="proxyPort"/> is given, the OpenAI gateway on it; the lateness
/// bound is <paramref name="lateness"/> seconds (the last --lateness given wins); <paramref name="extra"/> flags follow.
/// </summary>
public sealed class SourcedServerProcess(string sourcesFile, int? proxyPort = null, double lateness = 1, params string[] extra)
    : ServerProcess(null, [.. proxyPort is { } p ? new[] { "--sources", sourcesFile, "--proxy", "true", "--proxy-port", $"{p}" } : ["--sources", sourcesFile],
        "--lateness", lateness.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra]);
