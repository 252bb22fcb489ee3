using TokenSim.Core.Yaml;

namespace TokenSim.Cli.Commands;

/// <summary>A plan file as YamlDotNet reads it, each value with its line; <see cref="PlanConfig"/> checks and uses it.</summary>
internal sealed record PlanYaml : YamlSection
{
    public YamlMap<YamlText>? Base { get; init; }
    public TrafficYaml? Traffic { get; init; }
    public SloYaml? Slo { get; init; }
    public CandidatesYaml? Candidates { get; init; }
    public YamlMap<YamlText>? CostPerGpuHour { get; init; }
    public AutoscaleYaml? Autoscale { get; init; }
    public YamlText? Objective { get; init; }

    protected override string UnknownKey(string key, IReadOnlyList<string> known) => $"unknown plan key '{key}'. Known: {string.Join(", ", known)}.";

    /// <summary>A mapping under the root; <see cref="Where"/> names it in errors (<c>traffic.live</c>).</summary>
    internal abstract record Section : YamlSection
    {
        protected abstract string Where { get; }

        protected override string UnknownKey(string key, IReadOnlyList<string> known) => $"unknown key '{Where}.{key}'. Known: {string.Join(", ", known)}.";
    }

    internal sealed record TrafficYaml : Section
    {
        protected override string Where => "traffic";
        public YamlText? Rate { get; init; }
        public YamlText? DurationS { get; init; }
        public YamlText? Lengths { get; init; }
        public YamlText? Workload { get; init; }
        public YamlText? Trace { get; init; }
        public LiveYaml? Live { get; init; }
        public YamlText? Growth { get; init; }
    }

    internal sealed record LiveYaml : Section
    {
        protected override string Where => "traffic.live";
        public YamlText? Deployment { get; init; }
        public YamlText? WindowS { get; init; }
    }

    internal sealed record SloYaml : Section
    {
        protected override string Where => "slo";
        public YamlText? TtftS { get; init; }
        public YamlText? TpotS { get; init; }
        public YamlText? Percentile { get; init; }
        public YamlText? Attainment { get; init; }
    }

    internal sealed record CandidatesYaml : Section
    {
        protected override string Where => "candidates";
        public YamlList<YamlText>? Hardware { get; init; }
        public YamlList<YamlText>? Tp { get; init; }
        /// <summary>One count, or <c>{min: M, max: N}</c>.</summary>
        public ReplicasYaml? Replicas { get; init; }
        public YamlList<YamlText>? Scheduler { get; init; }
    }

    internal sealed record ReplicasYaml : Section
    {
        protected override string Where => "candidates.replicas";
        public YamlText? Min { get; init; }
        public YamlText? Max { get; init; }
    }

    internal sealed record AutoscaleYaml : Section
    {
        protected override string Where => "autoscale";
        public YamlText? Scenario { get; init; }
        public YamlList<YamlText>? Up { get; init; }
        public YamlList<YamlText>? Down { get; init; }
        public YamlList<YamlText>? UpCooldownS { get; init; }
        public YamlList<YamlText>? DownCooldownS { get; init; }
        public YamlText? Plot { get; init; }
    }
}
