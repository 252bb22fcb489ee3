using TokenSim.Twin.Tests.Ops;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The public contract compiles with a stock protoc (Debian's 3.21, the one a Python or Go client is likely to
/// use), not only with Grpc.Tools' bundled one: each proto under protos/ goes through <c>protoc --python_out</c>.
/// protoc 3.21 refused forecast.proto when a field's name equalled another's lowercased without underscores
/// (steps, step_s).
/// </summary>
public sealed class ProtocContractTests
{
    public static TheoryData<string> Protos()
    {
        var root = Path.Combine(TestData.RepoRoot, "protos");
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(root, "*.proto", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, f).Replace('\\', '/'));
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Protos))]
    public async Task EveryProto_CompilesWithProtocFromPath(string proto)
    {
        var protoc = OpsTool.Find("protoc");
        Skip.If(protoc is null, OpsTool.Missing("protoc", "Debian package protobuf-compiler"));
        var output = Directory.CreateTempSubdirectory("tokensim-protoc-");
        try
        {
            var (code, stdout, stderr) = await OpsTool.RunAsync(protoc!, ["-I", Path.Combine(TestData.RepoRoot, "protos"), $"--python_out={output.FullName}", proto]);
            Assert.True(code == 0, $"protoc {proto} exited {code}: {stderr}{stdout}");
            var generated = Path.Combine(output.FullName, Path.ChangeExtension(proto, null) + "_pb2.py");
            Assert.True(File.Exists(generated), $"protoc wrote no {generated}");
        }
        finally
        {
            output.Delete(true);
        }
    }

    [Fact]
    public void TheProtosFolder_HoldsTheContract()
    {
        // A wrong root would make the theory above vacuous.
        var protos = ((IEnumerable<object[]>)Protos()).Select(row => (string)row[0]).ToList();
        Assert.Contains("tokensim/v1/forecast.proto", protos);
        Assert.True(protos.Count >= 9, string.Join(", ", protos));
    }
}
