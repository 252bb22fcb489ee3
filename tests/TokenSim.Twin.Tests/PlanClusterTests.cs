using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Prometheus;
using TokenSim.Planning;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Planning;

namespace TokenSim.Twin.Tests;

/// <summary>Two silos: a plan's simulations run on both, as each silo's own metrics show.</summary>
public sealed class PlanClusterTests : IAsyncLifetime
{
    private readonly InProcessTestCluster _cluster;

    public PlanClusterTests()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddTokenSimTwin();
            silo.AddTokenSimPlanning();
        });
        _cluster = builder.Build();
    }

    public Task InitializeAsync() => _cluster.DeployAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task TwoSilos_BothRunSimulations_PerSiloCounters_AndTheSameAnswer()
    {
        Assert.Equal(2, _cluster.Silos.Count);
        var problem = PlanTestProblems.Small();
        var executor = await GrainSimulationExecutor.CreateAsync(_cluster.Client, problem);
        var plan = await CapacityPlanner.PlanAsync(problem, executor);
        var local = await CapacityPlanner.PlanAsync(problem, new LocalSimulationExecutor(problem));
        Assert.Equal(local.Best!.Candidate, plan.Best!.Candidate);
        // Which candidates are simulated depends on which finish first (pruning), not the answer.
        Assert.Equal(plan.Considered, plan.SimulatedCount + plan.Infeasible + plan.Pruned + plan.DecidedWithoutSimulation);

        double total = 0;
        var workers = new HashSet<string>();
        foreach (var silo in _cluster.Silos)
        {
            string address = silo.ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.ToString();
            var metrics = silo.ServiceProvider.GetRequiredService<PlanMetrics>();
            using var ms = new MemoryStream();
            await metrics.Registry.CollectAndExportAsTextAsync(ms);
            string text = System.Text.Encoding.UTF8.GetString(ms.ToArray());
            string line = text.Split('\n').Single(l => l.StartsWith($"{PlanMetrics.Simulations}{{silo=\"{address}\"}} ", StringComparison.Ordinal));
            double count = double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(count >= 1, $"silo {address} ran no simulation:\n{text}");
            total += count;
            workers.Add(address);
        }
        Assert.Equal(plan.SimulatedCount, total);
        // Each result says which silo ran it, and both silos appear.
        Assert.Equal(workers, plan.Simulated.Select(r => r.Worker).ToHashSet());
    }
}
