using System.CommandLine;
using System.Text.Json;
using TokenSim.Cli.Commands;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Memory;
using TokenSim.Core.Scheduling.Global;
using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Simulation;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The options of <c>simulate</c> and <c>emulate</c> come from <see cref="SimulateSettingTable"/>: every setting is a flag
/// and a config key meaning the same thing, and help lists what the registries hold.
/// </summary>
public sealed class SettingOptionsTests
{
    private static (Command Command, SimulateOptions Options) Simulate(bool run = true)
    {
        var options = new SimulateOptions();
        var cmd = new Command(run ? "simulate" : "emulate");
        options.AddTo(cmd, run, run ? [] : ["seed"]);
        // Descriptions that list a registry's names are built when help is shown (as `--help` does).
        LazyHelp.Fill(cmd);
        return (cmd, options);
    }

    /// <summary>A value of the setting's kind that differs from its default.</summary>
    private static string Sample(SimulateSetting s) => s.ValueType switch
    {
        var t when t == typeof(int) => "3",
        var t when t == typeof(double) => "0.5",
        var t when t == typeof(bool) => "true",
        var t when t == typeof(ulong) => "7",
        _ => s.Known.LastOrDefault(n => n != s.DefaultText) ?? "some-value",
    };

    private static string Json(SimulateSettings s) => JsonSerializer.Serialize(s);

    [Fact]
    public void EverySetting_IsAFlag_AndAConfigKey_WithTheSameMeaning()
    {
        foreach (var setting in SimulateSettingTable.All)
        {
            var (cmd, options) = Simulate();
            var fromFlag = options.Read(cmd.Parse([setting.Flag, Sample(setting)]));
            Assert.Empty(cmd.Parse([setting.Flag, Sample(setting)]).Errors);
            var fromDash = new SimulateSettings();
            fromDash.Set(setting.Name, Sample(setting), "test");
            var fromUnderscore = new SimulateSettings();
            fromUnderscore.Set(setting.Name.Replace('-', '_'), Sample(setting), "test");
            Assert.Equal(Json(fromDash), Json(fromFlag));
            Assert.Equal(Json(fromDash), Json(fromUnderscore));
            Assert.True(Json(new SimulateSettings()) != Json(fromFlag), $"{setting.Flag} {Sample(setting)} left the defaults");
        }
    }

    [Fact]
    public void AbsentFlags_LeaveTheDefaults()
    {
        var (cmd, options) = Simulate();
        Assert.Equal(Json(new SimulateSettings()), Json(options.Read(cmd.Parse([]))));
    }

    [Fact]
    public void Emulate_TakesTheEngineSettingsAndTheSeed_NotThoseOfABatchRun()
    {
        var (cmd, _) = Simulate(run: false);
        var flags = cmd.Options.Select(o => o.Name).ToHashSet();
        foreach (var s in SimulateSettingTable.All)
            Assert.Equal(s.Scope == SettingScope.Engine || s.Name == "seed", flags.Contains(s.Flag));
    }

    public static TheoryData<string, string[]> Registries => new()
    {
        { "--scheduler", [.. ReplicaSchedulers.Registry.Names] },
        { "--router", [.. GlobalSchedulers.Registry.Names] },
        { "--kv-cache-manager", [.. KvCacheManagers.Registry.Names] },
        { "--perf-model", [.. ExecutionTimeModels.Registry.Names] },
        { "--hardware", [.. HardwareCatalog.Names] },
        { "--decode-hardware", [.. HardwareCatalog.Names] },
        { "--model", [.. ModelCatalog.Names] },
    };

    [Theory]
    [MemberData(nameof(Registries))]
    public void Help_ListsEveryNameInTheRegistry(string flag, string[] names)
    {
        var (cmd, _) = Simulate();
        var description = cmd.Options.Single(o => o.Name == flag).Description!;
        Assert.Contains($"Known: {string.Join(", ", names)}.", description);
    }

    [Fact]
    public void SimulateHelp_ListsAllNineSchedulers_AndTheDefaults()
    {
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--help");
        Assert.True(code == 0, stderr);
        Assert.Contains("Known: vllm-v1, vllm, vllm-v0, static, orca, sarathi, priority, sjf, srpt. Default: vllm-v1.", stdout);
        Assert.Contains("--tp <N>", stdout);
        Assert.Contains("Default: a100-80g.", stdout);
    }

    [Fact]
    public void Help_UsageNamesTheCommandUsersType_NotTheAssembly()
    {
        var (code, stdout, stderr) = CliProcess.Run("--help");
        Assert.True(code == 0, stderr);
        Assert.Contains("Usage:\n  tokensim [command] [options]", stdout.ReplaceLineEndings("\n"));
        (code, stdout, stderr) = CliProcess.Run("plan", "--help");
        Assert.True(code == 0, stderr);
        Assert.Contains("Usage:\n  tokensim plan [options]", stdout.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("TokenSim.Cli", stdout);
    }

    [Fact]
    public void ConfigKey_WithABadValue_NamesFileLineKeyAndKind()
    {
        var e = Assert.Throws<FormatException>(() => new SimulateSettings().Set("max_num_seqs", "lots", "plan.yaml:3"));
        Assert.Equal("plan.yaml:3: 'max-num-seqs: lots' must be an integer.", e.Message);
        var unknown = Assert.Throws<FormatException>(() => new SimulateSettings().Set("replica", "2", "plan.yaml:4"));
        Assert.Equal("plan.yaml:4: unknown option 'replica'. Did you mean 'replicas'?", unknown.Message);
    }
}
