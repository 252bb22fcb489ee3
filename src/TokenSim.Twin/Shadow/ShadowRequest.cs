using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>A request the shadow follows: its record (prediction and observations) and its simulated counterpart.</summary>
internal sealed class ShadowRequest(RequestAccuracy record, Request live)
{
    public RequestAccuracy Record { get; set; } = record;
    public Request Live { get; } = live;
    public double? FirstTokenSeconds { get; set; }
    public bool Closed { get; set; }
}
