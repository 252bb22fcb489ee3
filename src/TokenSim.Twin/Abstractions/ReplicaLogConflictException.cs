namespace TokenSim.Twin.Abstractions;

/// <summary>Another activation of the same replica wrote its log: this one's state is stale and must be reloaded.</summary>
/// <remarks>Serializable by Orleans: it travels from the replica grain to the front end, which answers UNAVAILABLE.</remarks>
[GenerateSerializer, Alias("TokenSim.Twin.Storage.ReplicaLogConflictException")]
public sealed class ReplicaLogConflictException : Exception
{
    public ReplicaLogConflictException(string message) : base(message) { }
}
