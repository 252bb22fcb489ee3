using CsCheck;
using TokenSim.Cli.Commands;
using TokenSim.Core.Simulation;
using TokenSim.Core.Tests.Properties;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The CLI's config readers (<c>simulate --config</c>, <c>plan --config</c>, <c>sweep --config</c>) under mutated
/// input (CsCheck, fixed seeds; the seeds are tests/TokenSim.Core.Tests/Corpus/config): every file reads, or is an
/// <see cref="ArgumentException"/> or <see cref="FormatException"/> (the errors the CLI prints as one line) naming
/// the file, in one line. Never another exception, which the CLI would report as an internal error.
/// </summary>
public sealed class ConfigReaderPropertyTests
{
    private const ulong BaseSeed = 17;

    private static readonly (string File, Action<string> Read)[] Seeds =
    [
        ("simulate.yaml", p => YamlConfig.Apply(p, new SimulateSettings())),
        ("plan.yaml", p => PlanConfig.Read(p)),
        ("sweep.yaml", p => SweepConfig.Read(p)),
    ];

    private static string Corpus(string file) => CliProcess.RepoFile("tests", "TokenSim.Core.Tests", "Corpus", "config", file);

    [Fact]
    public void SeedCorpus_ReadsAsItIs()
    {
        foreach (var (file, read) in Seeds) read(Corpus(file));
    }

    [Fact]
    public void ConfigReaders_MutatedInput_ReadOrOneLineErrorNamingTheFile()
    {
        var gen = Gen.Select(Gen.Int[0, Seeds.Length - 1], FileMutation.Mutations.Array[1, 4]);
        for (uint i = 0; i < 450; i++)
        {
            Check.Sample(gen, t =>
            {
                var (file, read) = Seeds[t.Item1];
                FileMutation.CheckOne(Corpus(file), read, 0, t.Item2, typeof(ArgumentException), typeof(FormatException));
            }, seed: new PCG(i, BaseSeed).ToString(), iter: 1, threads: 1,
            print: t => $"{Seeds[t.Item1].File}: {string.Join("; ", t.Item2.Select(m => m.ToString()))}");
        }
    }
}
