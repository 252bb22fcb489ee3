using CsCheck;
using TokenSim.Core.Randomness;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The output-length predictor keeps its window as a ring with each request's output / max_tokens computed once. Its
/// predictions must be exactly the formula's over the newest <c>window</c> finishes, oldest first (the order the sum is
/// taken in, so equal bit for bit): checked against that formula written out here, through the ring's wrap-around,
/// for both kinds; and one case by hand.
/// </summary>
public sealed class FinishedOutputPredictorTests
{
    [Fact]
    public void HandComputed_FractionOfMaxTokens_ConditionedOnProduced()
    {
        var p = new FinishedOutputPredictor(OutputPredictorKind.MaxTokensFraction, window: 2);
        p.Observe(50, 100);   // pushed out by the third
        p.Observe(10, 100);   // 0.1 of max_tokens
        p.Observe(30, 100);   // 0.3
        // max_tokens 200: 20 and 60, mean 40. Having produced 25, only 60 is longer.
        Assert.Equal(40, p.Predict(200));
        Assert.Equal(60, p.Predict(200, produced: 25));
        // Nothing longer than 70 produced: one more token.
        Assert.Equal(71, p.Predict(200, produced: 70));
        Assert.Equal([(10, 100), (30, 100)], p.Recent.ToArray());
    }

    [Fact]
    public void Predictions_EqualTheFormulaOverTheNewestWindow()
    {
        var gen = Gen.Select(Gen.Int[1, 40], Gen.Int[0, 300], Gen.Bool, Gen.UInt);
        SeededCheck.ForAll(gen, c =>
        {
            var (window, finishes, mean, seed) = c;
            var kind = mean ? OutputPredictorKind.Mean : OutputPredictorKind.MaxTokensFraction;
            var p = new FinishedOutputPredictor(kind, window);
            var all = new List<(int Output, int Max)>();
            var random = new Random((int)seed);
            for (int i = 0; i < finishes; i++)
            {
                int output = random.Next(1, 600), max = random.Next(1, 600);
                p.Observe(output, max);
                all.Add((output, Math.Max(max, output)));
                var newest = all.Skip(Math.Max(0, all.Count - window)).ToArray();
                Assert.Equal(newest, p.Recent.ToArray());
                int maxTokens = random.Next(1, 700), produced = random.Next(0, 700);
                Assert.Equal(Formula(kind, newest, maxTokens, produced), p.Predict(maxTokens, produced));
                var copy = p.Copy();
                Assert.Equal(newest, copy.Recent.ToArray());
                Assert.Equal(p.Predict(maxTokens, produced), copy.Predict(maxTokens, produced));
                Assert.Equal(p.Sample(maxTokens, produced, new SimRandom(seed)), copy.Sample(maxTokens, produced, new SimRandom(seed)));
            }
        }, iterations: 60);
    }

    /// <summary>The predictor's definition, as it was written over a queue of (output, max_tokens).</summary>
    private static int Formula(OutputPredictorKind kind, (int Output, int Max)[] recent, int maxTokens, int produced)
    {
        int floor = produced + 1, cap = Math.Max(floor, maxTokens);
        if (recent.Length == 0) return Math.Clamp(maxTokens, floor, cap);
        double sum = 0;
        int n = 0;
        foreach (var (output, max) in recent)
        {
            double x = kind == OutputPredictorKind.Mean ? output : (double)output / max * maxTokens;
            if (x > produced) { sum += Math.Min(x, cap); n++; }
        }
        double expected = n > 0 ? sum / n : floor;
        return Math.Clamp((int)Math.Round(expected, MidpointRounding.AwayFromZero), floor, cap);
    }
}
