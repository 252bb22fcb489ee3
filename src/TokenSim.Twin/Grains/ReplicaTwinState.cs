using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Grains;

/// <summary>
/// A replica grain's persisted state: each request's prediction and observations, and the window of applied event
/// ids. The lockstep simulation itself is not persisted: after a reactivation it restarts from an empty replica.
/// Ids are never renumbered.
/// </summary>
[GenerateSerializer, Alias("TokenSim.Twin.ReplicaTwinState")]
public sealed class ReplicaTwinState
{
    [Id(0)] public List<RequestAccuracy> Requests { get; set; } = [];
    [Id(1)] public List<string> SeenEventIds { get; set; } = [];
}
