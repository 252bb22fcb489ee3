using TokenSim.Core.Yaml;
using YamlDotNet.Serialization;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A scenario file as YamlDotNet reads it, each value with its line; <see cref="ScenarioReader"/> checks and uses it.
/// Keys are taken with '_' or '-' and in any case (<c>min_replicas</c>, <c>min-replicas</c>), and named in errors
/// with '-'.
/// </summary>
internal sealed record ScenarioYaml : ScenarioYamlSection
{
    public YamlList<EventYaml>? Events { get; init; }
    public AutoscaleYaml? Autoscale { get; init; }

    protected internal override string UnknownKey(string key, IReadOnlyList<string> known) =>
        $"unknown key '{key}'{Hint(key, known)}. Known: {string.Join(", ", known)}.";

    internal static string Hint(string name, IEnumerable<string> known) => ClosestName.Of(name, known) is { } near ? $" (did you mean '{near}'?)" : "";

    /// <summary>
    /// One event: every kind's keys, all optional. Which a kind takes depends on its <c>event:</c>, which may come
    /// last, so a key no kind takes is let through and <see cref="ScenarioReader"/> judges all keys by the kind.
    /// </summary>
    internal sealed record EventYaml : ScenarioYamlSection
    {
        public YamlText? At { get; init; }
        public YamlText? Event { get; init; }
        public YamlText? Until { get; init; }
        public YamlText? Replica { get; init; }
        public YamlText? Requests { get; init; }
        [YamlMember(Alias = "startup-s")] public YamlText? StartupS { get; init; }
        public YamlText? Factor { get; init; }
        public YamlText? Fraction { get; init; }
        public YamlText? Multiplier { get; init; }
        public YamlText? Prompt { get; init; }
        public YamlText? Output { get; init; }
        public YamlText? Router { get; init; }
        public YamlText? Pool { get; init; }

        protected internal override string? UnknownKey(string key, IReadOnlyList<string> known) => null;

        /// <summary>The value of a key this record has, by its name in the file; null when absent or not one of its keys.</summary>
        public YamlText? this[string key] => key switch
        {
            "at" => At, "event" => Event, "until" => Until, "replica" => Replica, "requests" => Requests, "startup-s" => StartupS,
            "factor" => Factor, "fraction" => Fraction, "multiplier" => Multiplier, "prompt" => Prompt, "output" => Output, "router" => Router, "pool" => Pool,
            _ => null,
        };
    }

    internal sealed record AutoscaleYaml : ScenarioYamlSection
    {
        public YamlText? Metric { get; init; }
        public YamlText? Up { get; init; }
        public YamlText? Down { get; init; }
        [YamlMember(Alias = "min-replicas")] public YamlText? MinReplicas { get; init; }
        [YamlMember(Alias = "max-replicas")] public YamlText? MaxReplicas { get; init; }
        [YamlMember(Alias = "interval-s")] public YamlText? IntervalS { get; init; }
        [YamlMember(Alias = "up-cooldown-s")] public YamlText? UpCooldownS { get; init; }
        [YamlMember(Alias = "down-cooldown-s")] public YamlText? DownCooldownS { get; init; }
        [YamlMember(Alias = "startup-s")] public YamlText? StartupS { get; init; }
        public YamlText? Pool { get; init; }

        protected internal override string UnknownKey(string key, IReadOnlyList<string> known) =>
            $"autoscale takes no '{key}'{Hint(key, known)}. It takes: {string.Join(", ", known)}.";

        /// <summary>The value of a key this record has, by its name in the file.</summary>
        public YamlText? this[string key] => key switch
        {
            "metric" => Metric, "up" => Up, "down" => Down, "min-replicas" => MinReplicas, "max-replicas" => MaxReplicas,
            "interval-s" => IntervalS, "up-cooldown-s" => UpCooldownS, "down-cooldown-s" => DownCooldownS, "startup-s" => StartupS, "pool" => Pool,
            _ => null,
        };
    }
}

/// <summary>A mapping of a scenario file: its keys taken with '_' or '-', in any case, and named with '-'.</summary>
internal abstract record ScenarioYamlSection : YamlSection
{
    protected internal override string KeyOf(string written) => written.Replace('_', '-').ToLowerInvariant();
}
