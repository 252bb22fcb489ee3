using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Storage;

/// <summary>
/// One acknowledged batch of a replica, as its log keeps it: the events it applied, in the order applied (times in
/// seconds since the deployment's first event), and the predictions it froze. Replaying a replica's entries in order
/// rebuilds its simulation, records and seen-event window exactly. Ids are never renumbered.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReplicaLogEntry")]
public sealed record ReplicaLogEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] TwinEvent[] Events,
    [property: Id(2)] LoggedPrediction[] Predictions);
