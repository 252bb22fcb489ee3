using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Hosting;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A one-silo cluster whose <see cref="PredictionScheduler"/> runs nothing until the test says so, with forecasts off
/// the replica's turn: the set-up of the tests that check what is acknowledged while predictions and forecasts wait.
/// </summary>
public abstract class HeldSchedulerSilo : IAsyncLifetime
{
    protected const double T0 = 1_780_000_000; // Unix seconds

    protected ManualTaskScheduler Scheduler { get; } = new();
    protected InProcessTestCluster Cluster { get; }

    protected HeldSchedulerSilo()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new PredictionScheduler(Scheduler)); // before AddTokenSimTwin, whose default is TryAdd
            silo.AddTokenSimTwin();
            silo.Services.Configure<TwinOptions>(o => o.ForecastsOffTurn = true);
        });
        Cluster = builder.Build();
    }

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>A one-replica roofline deployment registered under <paramref name="name"/>.</summary>
    protected async Task<(IDeploymentTwinGrain Twin, IDeploymentForecastGrain Forecasts)> RegisterAsync(string name)
    {
        var spec = new TwinDeploymentSpec { Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" };
        var twin = Cluster.Client.GetGrain<IDeploymentTwinGrain>(name);
        await twin.RegisterAsync(spec);
        return (twin, Cluster.Client.GetGrain<IDeploymentForecastGrain>(name));
    }

    /// <summary>Four arrivals on replica 0, 10 ms apart from <paramref name="at"/>, ids prefixed by the batch.</summary>
    protected static TwinEvent[] Arrivals(int batch, double at) => [.. Enumerable.Range(0, 4).Select(i => (TwinEvent)new RequestArrived
    {
        EventId = $"b{batch}-{i}", Replica = 0, TimeSeconds = at + 0.01 * i, RequestId = $"b{batch}-{i}", PromptTokens = 200 + 50 * i, MaxTokens = 64,
    })];
}
