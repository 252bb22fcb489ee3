using TokenSim.Core.Randomness;

namespace TokenSim.Core.Tests;

/// <summary>The one SplitMix64 every seed and id hash goes through, against its published reference sequence.</summary>
public class SimRandomTests
{
    [Fact]
    public void SplitMix64_FromZero_GivesTheReferenceSequence()
    {
        // Steele, Lea and Flood's SplitMix64 seeded with 0 (the reference C code's first outputs).
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, SimRandom.SplitMix64(ref state));
        Assert.Equal(0x6E789E6AA1B965F4UL, SimRandom.SplitMix64(ref state));
        Assert.Equal(0x06C45D188009454FUL, SimRandom.SplitMix64(ref state));
    }

    [Fact]
    public void Mix64_IsSplitMix64sFinaliser()
    {
        // The prefix-block hasher mixes with the finaliser alone: the first output above is it applied to the golden gamma.
        Assert.Equal(0xE220A8397B1DCDAFUL, SimRandom.Mix64(0x9E3779B97F4A7C15UL));
        Assert.Equal(0UL, SimRandom.Mix64(0));
    }
}
