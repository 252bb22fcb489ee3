using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>
/// The measured-day workload: ServeGen's windows as read from data/traces/servegen, and arrivals whose counts per
/// 10-minute window follow those rates (checked against the CSV's own numbers, with Poisson error bars).
/// </summary>
public class DiurnalWorkloadTests
{
    private static List<double> Arrivals(string spec, ulong seed = 1)
    {
        var source = WorkloadSpec.Build(spec, 4096).Source;
        var rng = new SimRandom(seed);
        var times = new List<double>();
        while (source.TryNext(0, rng, out var r)) times.Add(r.ArrivalTime);
        return times;
    }

    [Fact]
    public void Rates_AreTheCsvRows_ThreeClientsOfTwoWeeks()
    {
        var rates = ServeGenRates.MLarge;
        Assert.Equal(2016, rates.Windows); // 14 days of 600 s
        // First rows of chunk-0/1/2-trace.csv: 1.3316..., 0 and 0 requests/s; chunk-0's CV 8.598...
        Assert.Equal(1.3316666666666668, rates.Client[0].Rate[0]);
        Assert.Equal(8.598383725990791, rates.Client[0].Cv[0]);
        Assert.Equal(1.3316666666666668, rates.Total(0));
        Assert.Equal(0, rates.Total(1)); // 600,0,0,,0,0 in every chunk
    }

    [Fact]
    public void PoissonWithinWindows_CountsFollowTheMeasuredRates()
    {
        // cv=1: a Poisson process at 40 x the measured rate, so each window's count is Poisson with mean 40 r 600.
        var times = Arrivals("diurnal:scale=40,hours=24,cv=1,input=10,output=10");
        var rates = ServeGenRates.MLarge;
        var counts = new int[144];
        foreach (var t in times) counts[(int)(t / 600)]++;
        for (int w = 0; w < 144; w++)
        {
            double mean = 40 * rates.Total(w) * 600;
            if (mean == 0) Assert.Equal(0, counts[w]); // a quiet window has no arrival at all
            else Assert.InRange(counts[w], mean - 5 * Math.Sqrt(mean), mean + 5 * Math.Sqrt(mean));
        }
        Assert.True(times.Zip(times.Skip(1)).All(p => p.First <= p.Second), "arrivals in time order");
        Assert.True(times[^1] < 86400);
    }

    [Fact]
    public void Peak_ScalesTheBusiestWindowToTheAskedRate()
    {
        var rates = ServeGenRates.MLarge;
        int busiest = Enumerable.Range(0, 144).MaxBy(rates.Total);
        var times = Arrivals("diurnal:peak=20,cv=1,input=10,output=10");
        int n = times.Count(t => (int)(t / 600) == busiest);
        Assert.InRange(n, 12000 - 5 * Math.Sqrt(12000), 12000 + 5 * Math.Sqrt(12000)); // 20 req/s x 600 s
    }

    [Fact]
    public void DayAndHours_PickTheSpan()
    {
        // Day 3 (a Thursday of low traffic) hour by hour against its windows' expected counts.
        var times = Arrivals("diurnal:scale=30,day=3,hours=2,cv=1,input=10,output=10");
        double expected = Enumerable.Range(3 * 144, 12).Sum(w => 30 * ServeGenRates.MLarge.Total(w) * 600);
        Assert.InRange(times.Count, expected - 5 * Math.Sqrt(expected), expected + 5 * Math.Sqrt(expected));
        Assert.True(times.Count == 0 || times[^1] < 7200);
    }

    [Fact]
    public void MeasuredCvs_AreBurstierThanPoisson_AtTheSameCount()
    {
        // The same day at its measured CVs (2.4 to 44): about as many arrivals, but clumped. Within a window the
        // counts in 10 s bins have variance/mean 1 for Poisson and about CV squared for a renewal process.
        var poisson = Arrivals("diurnal:scale=20,cv=1,input=10,output=10");
        var measured = Arrivals("diurnal:scale=20,input=10,output=10");
        static double Dispersion(List<double> times)
        {
            var ratios = new List<double>();
            foreach (var window in times.GroupBy(t => (int)(t / 600)))
            {
                var bins = new double[60];
                foreach (var t in window) bins[(int)(t % 600 / 10)]++;
                double m = bins.Average();
                if (m >= 1) ratios.Add(bins.Sum(b => (b - m) * (b - m)) / (bins.Length - 1) / m);
            }
            return ratios.Average();
        }
        Assert.InRange(measured.Count, 0.8 * poisson.Count, 1.2 * poisson.Count);
        Assert.InRange(Dispersion(poisson), 0.8, 1.2);
        Assert.True(Dispersion(measured) > 3, $"variance/mean {Dispersion(measured):0.00}");
    }

    [Fact]
    public void SameSeed_SameArrivals_AndACloneContinuesAsTheOriginal()
    {
        Assert.Equal(Arrivals("diurnal:scale=5,hours=3,input=10,output=10", 7), Arrivals("diurnal:scale=5,hours=3,input=10,output=10", 7));
        var a = WorkloadSpec.Build("diurnal:scale=5,hours=3,input=10,output=10", 4096).Source;
        var rng = new SimRandom(3);
        for (int i = 0; i < 100; i++) a.TryNext(0, rng, out _);
        var b = a.Clone();
        var rngB = rng.Clone();
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(a.TryNext(0, rng, out var x), b.TryNext(0, rngB, out var y));
            Assert.Equal(x, y);
        }
    }

    [Fact]
    public void UnderAScenario_DecodeRunsStillSkip_AndGiveTheExactEnginesResults()
    {
        // A measured hour under a rate event: the scenario's source is open loop because the diurnal one is, so runs
        // of decode steps go by in one go, with the results of stepping every step.
        Simulator Run(bool exact)
        {
            var sim = new Simulator(new SimulationOptions
            {
                Replica = TestSupport.Spec(new TokenSim.Core.Entities.EngineConfig { MaxModelLen = 4096 }), Replicas = 2, Seed = 5, ExactSteps = exact,
                ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.0001),
            });
            sim.AttachScenario(TokenSim.Core.Simulation.Scenarios.ScenarioReader.Parse("events:\n  - {at: 600, until: 1200, event: rate, multiplier: 2}\n", "test.yaml"));
            sim.AttachWorkload(WorkloadSpec.Build("diurnal:scale=1,hours=1,cv=1,input=50..400,output=20..200", 4096).Source);
            sim.Run();
            return sim;
        }
        var (exact, skip) = (Run(true), Run(false));
        Assert.True(exact.Metrics.Completed > 1000, $"{exact.Metrics.Completed} requests");
        Assert.Equal(exact.Metrics.Completed, skip.Metrics.Completed);
        Assert.Equal(exact.Metrics.Ttft.Mean, skip.Metrics.Ttft.Mean, 1e-9);
        Assert.Equal(exact.Metrics.Tpot.Mean, skip.Metrics.Tpot.Mean, 1e-9);
        Assert.Equal(0, exact.SkippedSteps);
        Assert.True(skip.SkippedSteps > 0, "no decode run was skipped");
    }

    [Theory]
    [InlineData("diurnal:peak=5,scale=2", "exactly one of peak= (requests/s in the busiest 10 minutes) and scale=")]
    [InlineData("diurnal:hours=5", "exactly one of peak=")]
    [InlineData("diurnal:peak=5,day=14", "'day=14' must be a whole number from 0 to 13")]
    [InlineData("diurnal:peak=5,day=13,hours=25", "'hours=25' must be a whole number from 1 to 24")]
    [InlineData("diurnal:peak=5,n=100", "unknown key 'n' for diurnal")]
    [InlineData("diurnal:peak=-1", "'peak=-1' must be a positive number")]
    public void BadSpecs_AreOneLineNamingTheKey(string spec, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => WorkloadSpec.Build(spec, 4096));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
