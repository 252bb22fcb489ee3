using System.Diagnostics;
using TokenSim.Server.Extensions;

namespace TokenSim.Twin.Tests;

/// <summary>Bad server flags stop the server at once with one line naming the problem.</summary>
public sealed class ServerSettingsTests
{
    [Theory]
    [InlineData("--grpc-port", "99999", "error: --grpc-port / TOKENSIM_GRPC_PORT must be a TCP port from 1 to 65535 (got '99999').")]
    [InlineData("--lateness", "soon", "error: --lateness / TOKENSIM_LATENESS must be a number of seconds, 0 or more (got 'soon').")]
    [InlineData("--sources", "/nonexistent/sources.yaml", "error: --sources: the file '/nonexistent/sources.yaml' does not exist.")]
    [InlineData("--forecast-scenario", "/nonexistent/scenario.yaml", "error: --forecast-scenario: the file '/nonexistent/scenario.yaml' does not exist.")]
    [InlineData("--max-records", "0", "error: --max-records / TOKENSIM_MAX_RECORDS must be a whole number of records, 1 or more (got '0').")]
    [InlineData("--forecast-score-horizons", "10,soon", "error: --forecast-score-horizons / TOKENSIM_FORECAST_SCORE_HORIZONS must be positive seconds separated by commas, e.g. 10,30,60 (got '10,soon').")]
    [InlineData("--redis", "127.0.0.1:6379,connectTimeout=soon", "error: --redis / TOKENSIM_REDIS must be a Redis configuration such as 127.0.0.1:6379 (got '127.0.0.1:6379,connectTimeout=soon').")]
    [InlineData("--config", "/nonexistent/server.yaml", "error: --config / TOKENSIM_CONFIG: the file '/nonexistent/server.yaml' does not exist.")]
    [InlineData("--role", "worker", "error: --role / TOKENSIM_ROLE must be both, silo or frontend (got 'worker').")]
    [InlineData("--probe-timeout", "0", "error: --probe-timeout / TOKENSIM_PROBE_TIMEOUT must be a number of seconds above 0, at most 600 (got '0').")]
    [InlineData("--advertise-ip", "silo-a", "error: --advertise-ip / TOKENSIM_ADVERTISE_IP must be an IP address such as 10.0.0.5 or 0.0.0.0 (got 'silo-a').")]
    [InlineData("--dashboard", "dashboard", "error: --dashboard / TOKENSIM_DASHBOARD must be a path such as /dashboard: leading '/', no trailing '/', not /metrics (got 'dashboard').")]
    [InlineData("--log-format", "xml", "error: --log-format / TOKENSIM_LOG_FORMAT must be simple or json (got 'xml').")]
    [InlineData("--metrics-port", "7100", "error: --grpc-port and --metrics-port must differ (both 7100): gRPC is HTTP/2-only, metrics HTTP/1.1.")]
    public async Task BadFlag_ExitsWithTheProblem(string flag, string value, string expected)
    {
        var (code, stdout, stderr) = await RunAsync(flag, value);
        Assert.Equal(1, code);
        Assert.Equal(expected, stderr.Trim());
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task BadStandingScenario_ExitsNamingTheFileAndLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-scenario-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "events:\n  - {at: 5, event: replica-lsot, replica: 1}\n");
        try
        {
            var (code, stdout, stderr) = await RunAsync("--forecast-scenario", path);
            Assert.Equal((1, ""), (code, stdout));
            Assert.StartsWith($"error: --forecast-scenario: {path}:2: unknown event 'replica-lsot' (did you mean 'replica-lost'?)", stderr.Trim());
            Assert.DoesNotContain('\n', stderr.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "--grpc-prot", "17500" }, "error: unknown flag '--grpc-prot'; did you mean --grpc-port? (--help lists them)")]
    [InlineData(new[] { "--redis-url=127.0.0.1:6379" }, "error: unknown flag '--redis-url'; did you mean --redis? (--help lists them)")]
    [InlineData(new[] { "--frobnicate", "3" }, "error: unknown flag '--frobnicate' (--help lists them).")]
    [InlineData(new[] { "--grpc-port" }, "error: --grpc-port needs a value (PORT).")]
    [InlineData(new[] { "--grpc-port", "--lateness", "1" }, "error: --grpc-port needs a value (PORT).")]
    [InlineData(new[] { "serve" }, "error: unexpected argument 'serve': settings are flags such as --grpc-port 7100 (--help lists them).")]
    public async Task UsageError_IsOneLine_ExitCode2(string[] args, string expected)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.Equal((2, expected, ""), (code, stderr.Trim(), stdout));
    }

    [Fact]
    public async Task Help_ListsEveryOptionWithItsVariableAndDefault_AndServesNothing()
    {
        var (code, stdout, stderr) = await RunAsync("--help");
        Assert.Equal((0, ""), (code, stderr));
        Assert.StartsWith("Usage: TokenSim.Server", stdout);
        foreach (var o in ServerOptions.All)
        {
            var line = stdout.Split('\n').SkipWhile(l => !l.StartsWith($"  {o.Flag} ", StringComparison.Ordinal)).Take(2);
            Assert.Contains($"[{o.Env}]", string.Join('\n', line));
            if (o.Default is { } d) Assert.Contains($"(default {d})", string.Join('\n', line));
        }
        Assert.Equal(0, (await RunAsync("-h")).Code);
    }

    [Fact]
    public async Task RedisThatDoesNotAnswer_IsOneLineNamingTheFlag()
    {
        int port = ServerProcess.FreePort(); // free: nothing listens there
        var (code, _, stderr) = await RunAsync("--grpc-port", $"{ServerProcess.FreePort()}", "--metrics-port", $"{ServerProcess.FreePort()}",
            "--silo-port", $"{ServerProcess.FreePort()}", "--gateway-port", $"{ServerProcess.FreePort()}", "--redis", $"127.0.0.1:{port}");
        Assert.Equal((1, $"error: --redis / TOKENSIM_REDIS: Redis at 127.0.0.1:{port} does not answer (UnableToConnect)."), (code, stderr.Trim()));
    }

    [Fact]
    public async Task PortInUse_IsOneLineNamingTheFlag()
    {
        int taken = ServerProcess.FreePort();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, taken);
        listener.Start();
        var (code, _, stderr) = await RunAsync("--grpc-port", $"{ServerProcess.FreePort()}", "--metrics-port", $"{taken}");
        Assert.Equal((1, $"error: --metrics-port / TOKENSIM_METRICS_PORT: port {taken} on 127.0.0.1 is in use by another process."), (code, stderr.Trim()));
    }

    [Fact]
    public async Task ConfigFile_UnknownKeyAndBadValue_NameTheFileAndLine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tokensim-server-{Guid.NewGuid():N}.yaml");
        try
        {
            await File.WriteAllTextAsync(file, "grpc-port: 17600\nmetric-port: 17601\n");
            var (code, _, stderr) = await RunAsync("--config", file);
            Assert.Equal((2, $"error: {file}:2: unknown setting 'metric-port'; did you mean metrics-port? (--help lists them)"), (code, stderr.Trim()));
            await File.WriteAllTextAsync(file, "# the twin\nlateness: soon\n");
            (code, _, stderr) = await RunAsync("--config", file);
            Assert.Equal((1, $"error: {file}:2: lateness must be a number of seconds, 0 or more (got 'soon')."), (code, stderr.Trim()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])[ServerProcess.BuiltDll("TokenSim.Server"), .. args]) psi.ArgumentList.Add(a);
        foreach (var o in ServerOptions.All) psi.Environment.Remove(o.Env);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, stderr);
    }
}
