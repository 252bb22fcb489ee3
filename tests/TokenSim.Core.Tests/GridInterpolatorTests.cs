using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests;

public class GridInterpolatorTests
{
    private static string Vidur(string gpu) => TestSupport.DataFile("profiles", "vidur", "profiling", "compute", gpu, "meta-llama", "Llama-2-7b-hf", "mlp.csv");

    [Fact]
    public void RealTables_AreExactAtEveryMeasuredPoint()
    {
        var tables = VidurProfile.Read(Vidur("a100")).Tables
            .Concat(LlmServingSimProfile.Read(TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTX4090", "meta-llama", "Llama-3.1-8B", "bf16"), 1).Tables);
        foreach (var t in tables)
            foreach (var (key, value) in t.Interpolator.Points)
                Assert.Equal(value, t.Interpolator.Evaluate(key), 12);
    }

    [Fact]
    public void RealTables_LieBetweenNeighbours_AtEveryMidpoint()
    {
        foreach (var t in VidurProfile.Read(Vidur("h100")).Tables)
        {
            foreach (var tp in t.Interpolator.Points.Select(p => p.Key[0]).Distinct())
            {
                var row = t.Interpolator.Points.Where(p => p.Key[0] == tp).OrderBy(p => p.Key[1]).ToArray();
                for (int i = 1; i < row.Length; i++)
                {
                    double a = row[i - 1].Value, b = row[i].Value;
                    foreach (var f in new[] { 0.25, 0.5, 0.75 })
                    {
                        double v = t.Interpolator.Evaluate(tp, row[i - 1].Key[1] + f * (row[i].Key[1] - row[i - 1].Key[1]));
                        Assert.InRange(v, Math.Min(a, b) - 1e-15, Math.Max(a, b) + 1e-15);
                    }
                }
            }
        }
    }

    [Fact]
    public void AffineData_IsReproduced_OnAnUnevenGrid_AndExtendsItsSlopeAbove_HoldsBelow()
    {
        double F(double x) => 3e-6 + 2e-9 * x;
        var g = new GridInterpolator("affine", ["tokens"], new[] { 1.0, 2, 8, 24, 100, 512 }.Select(x => (new[] { x }, F(x))));
        foreach (var x in new[] { 1.5, 5.0, 60.0, 300.0 }) Assert.Equal(F(x), g.Evaluate(x), 15);
        Assert.Equal(F(1000), g.Evaluate(1000), 15);
        Assert.Equal(F(1), g.Evaluate(0.5), 15);
    }

    [Fact]
    public void Extrapolation_NeverFallsBelowTheLastPoint()
    {
        var g = new GridInterpolator("falling", ["tokens"], [([1.0], 5.0), ([2.0], 4.0)]);
        Assert.Equal(4.0, g.Evaluate(10));
    }

    [Fact]
    public void LeaveOneOut_YieldsOnlyInteriorPoints()
    {
        var g = new GridInterpolator("line", ["x"], Enumerable.Range(0, 10).Select(i => (new[] { (double)i }, 1.0 + i)));
        var loo = g.LeaveOneOut().ToList();
        Assert.Equal(8, loo.Count);
        Assert.All(loo, p => Assert.Equal(p.Measured, p.Predicted, 12));
        Assert.DoesNotContain(loo, p => p.Key[0] is 0 or 9);
    }
}
