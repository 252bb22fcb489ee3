using CsCheck;

namespace TokenSim.Twin.Tests;

/// <summary>
/// CsCheck's Check.Sample once per seed of a fixed series, so CI runs the same inputs every time and a failure names
/// the seed that reproduces it: the property tests' one way of sampling.
/// </summary>
internal static class SeededCheck
{
    private const ulong BaseSeed = 17;

    public static void ForAll<T>(Gen<T> gen, Action<T> property, int iterations, Func<T, string>? print = null)
    {
        for (uint i = 0; i < iterations; i++)
            Check.Sample(gen, property, seed: new PCG(i, BaseSeed).ToString(), iter: 1, threads: 1, print: print);
    }
}
