using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// A request the shadow follows: its record (prediction and observations) and its simulated counterpart, which is
/// null for a request known only from its span (it had finished before the twin heard of it).
/// </summary>
internal sealed class ShadowRequest(RequestAccuracy record, Request? live)
{
    public RequestAccuracy Record { get; set; } = record;
    /// <summary>Its place among the requests its shadow ever followed (0 for the first): page tokens name it.</summary>
    public long Ordinal { get; set; }
    /// <summary>
    /// Its request in the live simulation until production closes it (then <see cref="RequestRecords.Release"/> drops
    /// it: a kept record must not hold the simulation's request and its block lists, up to 100,000 a replica).
    /// </summary>
    public Request? Live { get; private set; } = live;

    /// <summary>Forgets the live simulation's request, which has left the simulation.</summary>
    public void DropLive() => Live = null;
    public double? FirstTokenSeconds { get; set; }
    public bool Closed { get; set; }
    /// <summary>A request_finished was applied (a span may close a request before its gateway's finish comes).</summary>
    public bool FinishSeen { get; set; }
    /// <summary>Its arrival time is a frontend's (<see cref="Abstractions.Events.RequestArrived.FrontendArrival"/>): predictions run from it, not from the simulated queueing.</summary>
    public bool FrontendArrival { get; init; }
    /// <summary>Its arrival's prediction is not frozen yet (its group's run has not been collected): it is not evicted until it is.</summary>
    public bool PredictionPending { get; set; }
    /// <summary>It waits in the open prediction group, whose run has not started (<see cref="ArrivalPredictions"/>).</summary>
    public bool InOpenGroup { get; set; }
}
