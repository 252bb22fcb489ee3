using System.Diagnostics;

namespace TokenSim.Twin.Tests;

/// <summary>Bad server flags stop the server at once with one line naming the problem.</summary>
public sealed class ServerSettingsTests
{
    [Theory]
    [InlineData("--grpc-port", "99999", "error: --grpc-port / TOKENSIM_GRPC_PORT must be a TCP port from 1 to 65535 (got '99999').")]
    [InlineData("--lateness", "soon", "error: --lateness / TOKENSIM_LATENESS must be a number of seconds, 0 or more (got 'soon').")]
    [InlineData("--sources", "/nonexistent/sources.yaml", "error: --sources: the file '/nonexistent/sources.yaml' does not exist.")]
    [InlineData("--max-records", "0", "error: --max-records / TOKENSIM_MAX_RECORDS must be a whole number of records, 1 or more (got '0').")]
    [InlineData("--forecast-score-horizons", "10,soon", "error: --forecast-score-horizons / TOKENSIM_FORECAST_SCORE_HORIZONS must be positive seconds separated by commas, e.g. 10,30,60 (got '10,soon': 'soon' is not).")]
    [InlineData("--role", "worker", "error: --role / TOKENSIM_ROLE must be both, silo or frontend (got 'worker').")]
    [InlineData("--probe-timeout", "0", "error: --probe-timeout / TOKENSIM_PROBE_TIMEOUT must be a number of seconds above 0, at most 600 (got '0').")]
    [InlineData("--advertise-ip", "silo-a", "error: --advertise-ip / TOKENSIM_ADVERTISE_IP must be an IP address such as 10.0.0.5 or 0.0.0.0 (got 'silo-a').")]
    [InlineData("--dashboard", "dashboard", "error: --dashboard / TOKENSIM_DASHBOARD must be a path such as /dashboard: leading '/', no trailing '/', not /metrics (got 'dashboard').")]
    [InlineData("--log-format", "xml", "error: --log-format / TOKENSIM_LOG_FORMAT must be simple or json (got 'xml').")]
    [InlineData("--metrics-port", "7100", "error: --grpc-port and --metrics-port must differ (both 7100): gRPC is HTTP/2-only, metrics HTTP/1.1.")]
    public async Task BadFlag_ExitsWithTheProblem(string flag, string value, string expected)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { ServerProcess.BuiltDll("TokenSim.Server"), flag, value }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(1, p.ExitCode);
        Assert.Equal(expected, stderr.Trim());
    }
}
