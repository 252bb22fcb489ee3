namespace TokenSim.Twin.Abstractions;

/// <summary>The key of a deployment's replica grains (<see cref="IReplicaTwinGrain"/>, <see cref="IReplicaForecastGrain"/>).</summary>
public static class ReplicaGrainKey
{
    public static string Of(string deployment, int replica) => $"{deployment}/{replica}";
}
