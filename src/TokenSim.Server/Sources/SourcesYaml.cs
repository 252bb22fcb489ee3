using TokenSim.Core.Yaml;
using YamlDotNet.Serialization;

namespace TokenSim.Server.Sources;

/// <summary>
/// A sources file as YamlDotNet reads it (docs/vllm.md documents every key): each value with its line, checked and
/// turned into a <see cref="SourcesConfig"/> by <see cref="SourcesFile"/>. A key a record lacks is refused at its line.
/// </summary>
internal sealed record SourcesYaml : SourcesYamlSection
{
    protected override string Where => "sources";
    public ScrapeYaml? Scrape { get; init; }
    public YamlList<SpanRuleYaml>? Spans { get; init; }
    public YamlList<DeploymentYaml>? Deployments { get; init; }
    public GatewayYaml? Gateway { get; init; }

    internal sealed record ScrapeYaml : SourcesYamlSection
    {
        protected override string Where => "scrape";
        public YamlText? IntervalS { get; init; }
        public YamlText? TimeoutS { get; init; }
        public YamlText? StaleAfterS { get; init; }
    }

    internal sealed record SpanRuleYaml : SourcesYamlSection
    {
        protected override string Where => "spans[]";
        public YamlMap<YamlText>? Match { get; init; }
        public YamlText? Deployment { get; init; }
        public YamlText? Replica { get; init; }
    }

    internal sealed record DeploymentYaml : SourcesYamlSection
    {
        protected override string Where => "deployments[]";
        public YamlText? Name { get; init; }
        public SpecYaml? Spec { get; init; }
        public YamlList<TargetYaml>? Targets { get; init; }
    }

    internal sealed record TargetYaml : SourcesYamlSection
    {
        protected override string Where => "targets[]";
        public YamlText? Metrics { get; init; }
        public YamlText? Replica { get; init; }
        public YamlMap<YamlText>? Engines { get; init; }
        public YamlMap<YamlText>? Spans { get; init; }
        [YamlMember(Alias = "openai")] public YamlText? OpenAi { get; init; }
        public KvEventsYaml? KvEvents { get; init; }
    }

    internal sealed record KvEventsYaml : SourcesYamlSection
    {
        protected override string Where => "targets[].kv_events";
        public YamlText? Endpoint { get; init; }
        public YamlText? Bind { get; init; }
        public YamlText? ReplayEndpoint { get; init; }
        public YamlText? Topic { get; init; }
    }

    internal sealed record SpecYaml : SourcesYamlSection
    {
        protected override string Where => "spec";
        public YamlText? Model { get; init; }
        public YamlText? Hardware { get; init; }
        public YamlText? TensorParallel { get; init; }
        public YamlText? Replicas { get; init; }
        public YamlText? Scheduler { get; init; }
        public YamlText? PerfModel { get; init; }
        public EngineYaml? Engine { get; init; }
    }

    internal sealed record EngineYaml : SourcesYamlSection
    {
        protected override string Where => "spec.engine";
        public YamlText? MaxNumSeqs { get; init; }
        public YamlText? MaxNumBatchedTokens { get; init; }
        public YamlText? BlockSize { get; init; }
        public YamlText? KvBlocks { get; init; }
        public YamlText? MaxModelLen { get; init; }
        public YamlText? EnablePrefixCaching { get; init; }
        public YamlText? GpuMemoryUtilization { get; init; }
    }

    internal sealed record GatewayYaml : SourcesYamlSection
    {
        protected override string Where => "gateway";
        public YamlText? Deployment { get; init; }
    }
}

/// <summary>A mapping of the sources file; <see cref="Where"/> names it in errors (<c>targets[]</c>, <c>spec.engine</c>).</summary>
internal abstract record SourcesYamlSection : YamlSection
{
    protected abstract string Where { get; }

    protected override string UnknownKey(string key, IReadOnlyList<string> known) => $"unknown key '{Where}.{key}' (known: {string.Join(", ", known)}).";
}
