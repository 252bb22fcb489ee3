using Orleans.TestingHost;
using TokenSim.Twin.Hosting;

namespace TokenSim.Twin.Tests;

/// <summary>One in-process Orleans silo with the twin's grains, shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; } = Build();

    private static InProcessTestCluster Build()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) => silo.AddTokenSimTwin(o => o.LatenessSeconds = 1));
        return builder.Build();
    }

    public IGrainFactory Grains => Cluster.Client;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
