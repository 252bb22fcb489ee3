namespace TokenSim.Twin.Abstractions;

/// <summary>One replica's running KV-event subscriber; disposing it closes its sockets and drains what it decoded.</summary>
public interface IKvEventSubscription : IAsyncDisposable
{
    /// <summary>Completes when the socket is bound or connected; faults (<see cref="ArgumentException"/>) when it cannot be.</summary>
    Task Started { get; }
    IKvSourceCounts Counts { get; }
}
