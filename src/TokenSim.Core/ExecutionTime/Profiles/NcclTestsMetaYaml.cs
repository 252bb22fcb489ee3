using TokenSim.Core.Yaml;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>An nccl-tests folder's <c>meta.yaml</c>, the keys <see cref="NcclTestsProfile"/> reads.</summary>
internal sealed record NcclTestsMetaYaml : ProfileMetaYaml
{
    public YamlText? Gpu { get; init; }
    public YamlText? ComputeCapability { get; init; }
    public LinkYaml? Link { get; init; }
    public YamlText? PeerToPeer { get; init; }
    public YamlText? Ranks { get; init; }

    internal sealed record LinkYaml : ProfileMetaYaml
    {
        public YamlText? Name { get; init; }
        public YamlText? BandwidthBytesPerS { get; init; }
    }
}
