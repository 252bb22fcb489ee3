using CsCheck;
using Microsoft.Extensions.Configuration;
using TokenSim.Core.Tests.Properties;
using TokenSim.Server.Extensions;
using TokenSim.Server.Sources;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The server's config readers under mutated input (CsCheck, fixed seeds; the seeds are
/// tests/TokenSim.Core.Tests/Corpus/config): a <c>--config</c> file gives settings or the one-line error the server
/// prints before it starts (an <see cref="ArgumentException"/>, or a <see cref="ServerUsageException"/> for an
/// unknown key), naming the file or the flags whose rule it breaks; a <c>--sources</c> file loads or is an
/// <see cref="ArgumentException"/> naming the file. Never another exception (a stack trace at start-up).
/// </summary>
public sealed class ServerConfigPropertyTests
{
    private static string Corpus(string file) => Path.Combine(TestData.RepoRoot, "tests", "TokenSim.Core.Tests", "Corpus", "config", file);

    private static void ServerSettingsFrom(string configFile) =>
        ServerSettings.From(new ConfigurationBuilder().AddTokenSimServer(["--config", configFile], _ => null).Build());

    private static void ForAll(Gen<Mutation[]> gen, Action<Mutation[]> property, int iterations) =>
        SeededCheck.ForAll(gen, property, iterations, m => string.Join("; ", m.Select(x => x.ToString())));

    [Fact]
    public void SeedCorpus_ReadsAsItIs()
    {
        ServerSettingsFrom(Corpus("server.yaml"));
        Assert.Single(SourcesFile.Load(Corpus("sources.yaml")).Deployments);
    }

    [Fact]
    public void ServerConfigFile_MutatedInput_SettingsOrOneLineError()
    {
        ForAll(FileMutation.Mutations.Array[1, 4], mutations =>
        {
            var path = Path.Combine(Path.GetTempPath(), $"tokensim-fuzz-{Guid.NewGuid():N}.yaml");
            try
            {
                var bytes = File.ReadAllBytes(Corpus("server.yaml"));
                foreach (var m in mutations) bytes = FileMutation.Apply(bytes, m);
                File.WriteAllBytes(path, bytes);
                try
                {
                    ServerSettingsFrom(path);
                }
                catch (Exception e) when (e is ArgumentException or ServerUsageException)
                {
                    Assert.False(e.Message.Contains('\n') || e.Message.Contains('\r'), $"the message is not one line: {e.Message}");
                    // A value is named by its file and line; a rule between two settings by their flags.
                    Assert.True(e.Message.StartsWith(path + ":", StringComparison.Ordinal) || e.Message.StartsWith("--", StringComparison.Ordinal),
                        $"the message names neither the file nor a flag: {e.Message}");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }, iterations: 400);
    }

    [Fact]
    public void SourcesFile_MutatedInput_LoadsOrOneLineErrorNamingTheFile()
    {
        ForAll(FileMutation.Mutations.Array[1, 4], mutations =>
            FileMutation.CheckOne(Corpus("sources.yaml"), p => SourcesFile.Load(p), 0, mutations, typeof(ArgumentException)), iterations: 400);
    }
}
