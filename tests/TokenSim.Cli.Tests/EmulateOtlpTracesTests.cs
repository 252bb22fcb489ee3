using System.Diagnostics;

namespace TokenSim.Cli.Tests;

/// <summary><c>tokensim emulate --otlp-traces-endpoint</c>: bad values stop it at start-up with one line naming the flag or variable.</summary>
public sealed class EmulateOtlpTracesTests
{
    private static (int ExitCode, string Stderr) Emulate(string endpoint, string? protocol)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "TokenSim.Cli.dll"), "emulate", "--model", "llama-3.1-8b", "--hardware", "a100-80g", "--port", "0", "--otlp-traces-endpoint", endpoint })
            psi.ArgumentList.Add(a);
        if (protocol is null) psi.Environment.Remove("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
        else psi.Environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = protocol;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("tokensim emulate started instead of refusing the option"); }
        return (p.ExitCode, stderr.Result);
    }

    [Fact]
    public void A_malformed_endpoint_is_one_line_naming_the_flag()
    {
        var (code, stderr) = Emulate("http//missing-colon:4318", "http/protobuf");
        Assert.Equal(1, code);
        Assert.StartsWith("error: --otlp-traces-endpoint must be", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void An_unknown_protocol_is_one_line_naming_the_variable()
    {
        var (code, stderr) = Emulate("http://127.0.0.1:4318/v1/traces", "http/json");
        Assert.Equal(1, code);
        Assert.Equal("error: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be grpc or http/protobuf (got 'http/json').", stderr.TrimEnd());
    }
}
