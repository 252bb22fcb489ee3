using TokenSim.Core.Yaml;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>The part of an LLMServingSim profile's <c>meta.yaml</c> that <see cref="SkewFit"/> reads: <c>skew_fit</c>.</summary>
internal sealed record SkewFitYaml : ProfileMetaYaml
{
    public FitYaml? SkewFit { get; init; }

    internal sealed record FitYaml : ProfileMetaYaml
    {
        public YamlText? Enabled { get; init; }
        public AxesYaml? BucketAxes { get; init; }
        /// <summary>By tensor-parallel degree, as written (<c>1:</c>).</summary>
        public YamlMap<TpYaml>? PerTp { get; init; }
    }

    /// <summary>Bin edges and one label per bin, for each axis of the fit.</summary>
    internal sealed record AxesYaml : ProfileMetaYaml
    {
        public YamlList<YamlText>? NBins { get; init; }
        public YamlList<YamlText>? NLabels { get; init; }
        public YamlList<YamlText>? SkewRateBins { get; init; }
        public YamlList<YamlText>? SkewRateLabels { get; init; }
        public YamlList<YamlText>? KvBigBins { get; init; }
        public YamlList<YamlText>? KvBigLabels { get; init; }
        public YamlList<YamlText>? KpBins { get; init; }
        public YamlList<YamlText>? KpLabels { get; init; }
    }

    internal sealed record TpYaml : ProfileMetaYaml
    {
        public YamlText? AlphaDefault { get; init; }
    }
}
