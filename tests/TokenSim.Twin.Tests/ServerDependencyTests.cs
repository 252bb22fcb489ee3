using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using TokenSim.Server.Sources.Otlp;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The server depends on the twin through <c>TokenSim.Twin.Abstractions</c> (grain interfaces, records, the
/// interfaces whose implementations the Twin's hosting registers) and <c>TokenSim.Twin.Hosting</c>, never on the
/// implementation namespaces: read from the compiled assembly's type references, and from its sources.
/// </summary>
public sealed partial class ServerDependencyTests
{
    private static readonly string[] Implementation = ["Shadow", "Kv", "Planning", "Grains", "Storage"];

    private static bool IsImplementation(string ns) =>
        Implementation.Any(i => ns == $"TokenSim.Twin.{i}" || ns.StartsWith($"TokenSim.Twin.{i}.", StringComparison.Ordinal));

    /// <summary>Every type the server's IL names (nested types by their outermost type's namespace), as Namespace.Name.</summary>
    private static List<string> ReferencedTypes()
    {
        using var pe = new PEReader(File.OpenRead(typeof(OtlpIngest).Assembly.Location));
        var md = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in md.TypeReferences)
        {
            var t = md.GetTypeReference(handle);
            var outer = t;
            while (outer.ResolutionScope.Kind == HandleKind.TypeReference) outer = md.GetTypeReference((TypeReferenceHandle)outer.ResolutionScope);
            names.Add($"{md.GetString(outer.Namespace)}.{md.GetString(t.Name)}");
        }
        return names;
    }

    [Fact]
    public void ServerAssembly_NamesNoTypeOfTheTwinsImplementationNamespaces()
    {
        var referenced = ReferencedTypes();
        // The reader sees the twin's types where the server uses them: the abstractions it is meant to use.
        Assert.Contains("TokenSim.Twin.Abstractions.IReplicaTwinGrain", referenced);
        Assert.Contains("TokenSim.Twin.Abstractions.IKvEventSubscribers", referenced);
        Assert.Contains("TokenSim.Twin.Abstractions.IPlanExecutors", referenced);
        Assert.DoesNotContain(referenced, n => IsImplementation(n[..n.LastIndexOf('.')]));
    }

    [GeneratedRegex(@"\b(TokenSim\.)?Twin\.(Shadow|Kv|Planning|Grains|Storage)\b")]
    private static partial Regex ImplementationName();

    [Fact]
    public void ServerSources_ImportNoTwinImplementationNamespace()
    {
        var dir = Path.Combine(TestData.RepoRoot, "src", "TokenSim.Server");
        var files = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);
        var found = files.SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => ImplementationName().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(dir, x.f)}:{x.i + 1}: {x.line.Trim()}");
        Assert.Empty(found);
    }
}
