namespace TokenSim.Twin.Abstractions;

/// <summary>
/// The replica store could not be read or written (Redis down, restarting, out of memory, read-only): nothing of the
/// call was kept, and the same call succeeds once the store is back. The front end answers it UNAVAILABLE, the
/// status a client retries.
/// </summary>
/// <remarks>Serializable by Orleans: it travels from the replica grain to the front end that answers the call.</remarks>
[GenerateSerializer, Alias("TokenSim.Twin.Storage.ReplicaStoreUnavailableException")]
public sealed class ReplicaStoreUnavailableException : Exception
{
    public ReplicaStoreUnavailableException(string message) : base(message) { }
}
