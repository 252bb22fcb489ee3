using System.Diagnostics;
using System.Text.RegularExpressions;
using TokenSim.Emulator.Tests;
using TokenSim.Twin.Tests.Ops;
using Xunit.Abstractions;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The Python client (clients/python) against real servers: runs its pytest suite with <c>TOKENSIM_SERVER</c> set to
/// a server's gRPC port and <c>TOKENSIM_KEYED_SERVER</c> (and its key) to one that requires an API key. The suite registers a deployment, ingests events and checks each outcome, forecasts,
/// plans from the live window, simulates, checks the server's errors, retries UNAVAILABLE against an in-process fake, speaks TLS to an in-process fake with a certificate made by openssl,
/// checks the committed stubs against the protos and builds the wheel offline. Every test of the suite must pass;
/// none may skip. The suite imports the package from its source tree, so nothing is installed.
/// </summary>
[Collection(PythonClientTree.Name)]
public sealed class PythonClientTests(ServerProcess server, KeyedServerProcess keyed, ITestOutputHelper log)
    : IClassFixture<ServerProcess>, IClassFixture<KeyedServerProcess>
{
    private static string ClientDir => Path.Combine(TestData.RepoRoot, "clients", "python");

    [SkippableFact]
    public async Task PytestSuite_AgainstTheServer_EveryTestPasses()
    {
        Skip.If(PythonWith.Grpc.Path is null, PythonWith.Grpc.Missing);
        foreach (var (tool, package) in new[] { ("protoc", "protobuf-compiler"), ("grpc_python_plugin", "protobuf-compiler-grpc"), ("openssl", "openssl") })
            Skip.If(OpsTool.Find(tool) is null, OpsTool.Missing(tool, $"Debian package {package}"));

        int expected = Directory.EnumerateFiles(Path.Combine(ClientDir, "tests"), "test_*.py")
            .Sum(f => Regex.Matches(File.ReadAllText(f), @"^def test_", RegexOptions.Multiline).Count);
        Assert.True(expected >= 10, $"found only {expected} pytest tests under {ClientDir}/tests");

        var psi = new ProcessStartInfo(PythonWith.Grpc.Path!)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = TestData.RepoRoot,
        };
        foreach (var a in new[] { "-m", "pytest", "clients/python/tests", "-q", "-rs", "-p", "no:cacheprovider" })
            psi.ArgumentList.Add(a);
        psi.Environment["TOKENSIM_SERVER"] = $"127.0.0.1:{server.GrpcPort}";
        psi.Environment["TOKENSIM_KEYED_SERVER"] = $"127.0.0.1:{keyed.GrpcPort}";
        psi.Environment["TOKENSIM_KEYED_SERVER_KEY"] = KeyedServerProcess.Key;
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment.Remove("TOKENSIM_API_KEY");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"pytest ran over 10 minutes:\n{await stdout}"); }
        string output = await stdout + await stderr;

        Assert.True(p.ExitCode == 0, $"pytest exited {p.ExitCode}:\n{output}\nserver log:\n{server.Log}");
        // pytest's last line: "16 passed in 6.09s", or with ", 1 skipped", ", 2 warnings" and so on before " in".
        var summary = Regex.Match(output, @"^(\d+) passed(?<rest>[^\n]*) in [\d.]+s", RegexOptions.Multiline);
        Assert.True(summary.Success, output);
        log.WriteLine(summary.Value);
        Assert.Equal(expected, int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var word in new[] { "skipped", "failed", "error", "xfail", "xpass", "deselected" })
            Assert.True(!summary.Groups["rest"].Value.Contains(word, StringComparison.Ordinal), output);
    }
}
