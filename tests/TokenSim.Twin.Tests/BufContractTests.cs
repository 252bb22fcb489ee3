using TokenSim.Twin.Tests.Ops;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The public contract passes <c>buf lint</c> (buf's STANDARD rules, less the exceptions protos/buf.yaml names) and
/// <c>buf breaking</c> against the contract as last released (.ci/buf/released: protos/ as of b1fbf4d). buf comes
/// from npm (@bufbuild/buf, pinned in .ci/buf/package.json; .ci/run runs <c>npm ci --prefix .ci/buf</c>).
/// </summary>
public sealed class BufContractTests
{
    private static string Protos => Path.Combine(TestData.RepoRoot, "protos");
    private static string Released => Path.Combine(TestData.RepoRoot, ".ci", "buf", "released");

    // npm's shim runs @bufbuild/buf's bin/buf with node, which starts the native binary of the platform package.
    private static string? Buf
    {
        get
        {
            var buf = Path.Combine(TestData.RepoRoot, ".ci", "buf", "node_modules", ".bin", OperatingSystem.IsWindows() ? "buf.cmd" : "buf");
            return File.Exists(buf) && OpsTool.Find("node") is not null ? buf : null;
        }
    }

    private const string MissingBuf = "buf is not installed under .ci/buf/node_modules, or node is not on PATH (.ci/run runs npm ci --prefix .ci/buf): this test needs the real buf.";

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        OpsTool.RunAsync(Buf!, args, workingDirectory: Protos);

    [SkippableFact]
    public async Task Contract_PassesBufLint()
    {
        Skip.If(Buf is null, MissingBuf);
        var (code, stdout, stderr) = await RunAsync("lint");
        Assert.True(code == 0, $"buf lint exited {code}:\n{stdout}{stderr}");
    }

    [SkippableFact]
    public async Task Contract_IsNotBreakingAgainstTheLastRelease()
    {
        Skip.If(Buf is null, MissingBuf);
        var (code, stdout, stderr) = await RunAsync("breaking", "--against", Released);
        Assert.True(code == 0, $"buf breaking against .ci/buf/released exited {code}:\n{stdout}{stderr}");
    }

    [SkippableFact]
    public async Task Breaking_WithoutTheRecordedException_FindsExactlyTheStepsRename()
    {
        // The check is live: WIRE_JSON without buf.yaml's one ignore reports c17178f's rename and nothing else,
        // and WIRE (binary only) reports nothing.
        Skip.If(Buf is null, MissingBuf);
        var (code, stdout, stderr) = await RunAsync("breaking", "--against", Released, "--error-format", "json",
            "--config", """{"version":"v2","breaking":{"use":["WIRE_JSON"]}}""");
        Assert.True(code != 0, $"buf breaking found nothing: {stdout}{stderr}");
        var found = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (Rule: $"{e.GetProperty("path").GetString()} {e.GetProperty("type").GetString()}", Message: e.GetProperty("message").GetString()!))
            .OrderBy(f => f.Rule, StringComparer.Ordinal).ToArray();
        Assert.Equal(["tokensim/v1/forecast.proto FIELD_SAME_JSON_NAME", "tokensim/v1/forecast.proto FIELD_SAME_NAME"], found.Select(f => f.Rule));
        Assert.Contains("changed name from \"steps\" to \"step_totals\"", found[1].Message);

        var wire = await RunAsync("breaking", "--against", Released, "--config", """{"version":"v2","breaking":{"use":["WIRE"]}}""");
        Assert.True(wire.Code == 0, $"buf breaking (WIRE) exited {wire.Code}:\n{wire.Stdout}{wire.Stderr}");
    }
}
