using TokenSim.Core.Yaml;

namespace TokenSim.Cli.Commands;

/// <summary>A sweep file as YamlDotNet reads it, each value with its line; <see cref="SweepConfig"/> checks and uses it.</summary>
internal sealed record SweepYaml : YamlSection
{
    public YamlMap<YamlText>? Base { get; init; }
    public YamlMap<YamlList<YamlText>>? Grid { get; init; }
    public SloYaml? Slo { get; init; }
    public YamlMap<YamlText>? CostPerGpuHour { get; init; }
    public YamlText? Output { get; init; }
    public YamlText? Plot { get; init; }

    protected override string UnknownKey(string key, IReadOnlyList<string> known) => $"unknown sweep key '{key}'. Known: {string.Join(", ", known)}.";

    internal sealed record SloYaml : YamlSection
    {
        public YamlText? TtftS { get; init; }
        public YamlText? TpotS { get; init; }
        public YamlText? E2eS { get; init; }

        protected override string UnknownKey(string key, IReadOnlyList<string> known) => $"unknown SLO '{key}'. Known: {string.Join(", ", known)}.";
    }
}
