using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Storage;

/// <summary>
/// One acknowledged batch of a replica, as its log keeps it: the events it applied, in the order applied, the
/// predictions it froze, and the deployment's clock origin the events' production times were applied at. Replaying a
/// replica's entries in order rebuilds its simulation, records and seen-event window exactly. Ids are never renumbered.
/// </summary>
/// <remarks>
/// Entries written before <see cref="OriginUnixSeconds"/> existed read it as 0: their events' times were already
/// seconds since the origin, so they replay as they were applied.
/// </remarks>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReplicaLogEntry")]
public sealed record ReplicaLogEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] TwinEvent[] Events,
    [property: Id(2)] LoggedPrediction[] Predictions,
    [property: Id(3)] double OriginUnixSeconds = 0);
