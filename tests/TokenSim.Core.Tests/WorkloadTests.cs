using TokenSim.Core.Entities;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

public class WorkloadTests
{
    [Fact]
    public void DefaultLengths_LeaveOutRowsOverTheContext_AndSayWhy()
    {
        var built = WorkloadSpec.Build("poisson:rate=2,n=10", 4096);
        var note = Assert.Single(built.Notes);
        // 1,612 conversation rows have prompt + output over 4,096; 402 of them prompts alone.
        Assert.Contains("1,612 of 19,366 rows", note);
        Assert.Contains("402 of them prompts alone", note);
        Assert.Contains("17,754 rows", built.Description);
    }

    [Fact]
    public void Poisson_MeanRateMatches()
    {
        var src = WorkloadSpec.Build("poisson:rate=5,n=20000,input=10,output=10", 4096).Source;
        var rng = new SimRandom(1);
        double last = 0;
        while (src.TryNext(0, rng, out var r)) last = r.ArrivalTime;
        Assert.InRange(20000 / last, 4.9, 5.1);
    }

    [Fact]
    public void Gamma_HasTheAskedCoefficientOfVariation()
    {
        var src = WorkloadSpec.Build("gamma:rate=4,cv=3,n=40000,input=10,output=10", 4096).Source;
        var rng = new SimRandom(2);
        var gaps = new List<double>();
        double prev = 0;
        while (src.TryNext(0, rng, out var r)) { gaps.Add(r.ArrivalTime - prev); prev = r.ArrivalTime; }
        double mean = gaps.Average(), sd = Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / gaps.Count);
        Assert.InRange(mean, 0.24, 0.26);
        Assert.InRange(sd / mean, 2.8, 3.2);
    }

    [Fact]
    public void Burst_AllArriveAtZero_WithFixedLengths()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxModelLen = 4096 });
        sim.AttachWorkload(WorkloadSpec.Build("burst:n=16,input=512,output=64", 4096).Source);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        sim.Run();
        Assert.Equal(16, obs.Finished.Count);
        Assert.All(obs.Finished, r => Assert.Equal((0.0, 512, 64), (r.ArrivalTime, r.PromptTokens, r.Generated)));
    }

    [Fact]
    public void ClosedLoop_NeverExceedsItsConcurrency()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxModelLen = 4096 });
        sim.AttachWorkload(WorkloadSpec.Build("closed:concurrency=3,n=20,input=50..100,output=zipf(1.2,30)", 4096).Source);
        int peak = 0;
        while (sim.Step()) peak = Math.Max(peak, sim.Replicas[0].Outstanding);
        Assert.Equal(3, peak);
        Assert.Equal(20, sim.Metrics.Completed);
    }

    [Theory]
    [InlineData("poisson:n=10", "needs 'rate='")]
    [InlineData("poisson:rate=-1,n=10", "must be a positive number")]
    [InlineData("poisson:rate=1,n=10,input=5", "give both input= and output=")]
    [InlineData("burst:n=4,input=0,output=4", "at least 1")]
    [InlineData("poisson:rate=1,n=10,colour=red", "unknown key 'colour'")]
    [InlineData("closed:concurrency=2,n=5,input=abc,output=3", "is not a length")]
    public void BadSpecs_AreClearErrors(string spec, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => WorkloadSpec.Build(spec, 4096));
        Assert.True(e is ArgumentException or FormatException);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TraceReplay_RejectsRequestsThatDoNotFit_AsVllmDoes()
    {
        var path = TestSupport.DataFile("traces", "azure2023", "AzureLLMInferenceTrace_code.csv");
        var built = WorkloadSpec.Build(path, 4096);
        Assert.Contains("1,257 of 8,819 requests do not fit", Assert.Single(built.Notes));
        var sim = new Simulator(new SimulationOptions { Replica = TestSupport.Spec(), Replicas = 4 });
        sim.AttachWorkload(built.Source);
        sim.Run();
        Assert.Equal(1257, sim.Metrics.Rejected);
        Assert.Equal(8819 - 1257, sim.Metrics.Completed);
    }
}
