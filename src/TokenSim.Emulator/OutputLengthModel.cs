using TokenSim.Core.Randomness;
using TokenSim.Core.Workload;

namespace TokenSim.Emulator;

/// <summary>
/// How many tokens a request generates when the client does not force <c>max_tokens</c> with <c>ignore_eos</c>:
/// a real model stops at its end-of-sequence token, which the emulator stands in for by drawing a length from a
/// distribution (<c>N</c>, <c>LOW..HIGH</c>, <c>zipf(S,MAX)</c>) or from the output column of a trace
/// (<c>azure-conv</c>, <c>azure-code</c>, or a trace file), seeded. The draw is capped by <c>max_tokens</c>.
/// </summary>
public sealed class OutputLengthModel
{
    private readonly Func<SimRandom, int> _draw;
    private readonly SimRandom _random;
    private readonly object _lock = new();

    private OutputLengthModel(Func<SimRandom, int> draw, string description, ulong seed)
    {
        _draw = draw;
        Description = description;
        _random = new SimRandom(seed);
    }

    public string Description { get; }

    public static OutputLengthModel Parse(string spec, int maxModelLen, ulong seed)
    {
        if (spec.Length > 0 && (char.IsDigit(spec[0]) || spec.StartsWith("zipf(", StringComparison.OrdinalIgnoreCase)))
        {
            var d = LengthDistribution.Parse(spec, "--output-lengths");
            return new OutputLengthModel(d.Sample, spec, seed);
        }
        var (sampler, text, _) = WorkloadSpec.TraceLengths(spec, maxModelLen);
        return new OutputLengthModel(r => sampler.Sample(r).Output, "outputs " + text, seed);
    }

    public int Draw(int maxTokens)
    {
        lock (_lock) return Math.Clamp(_draw(_random), 1, maxTokens);
    }
}
