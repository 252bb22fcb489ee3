using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>An observer that needs the engine it watches (its wall clock, its requests' streams); the engine attaches itself on construction.</summary>
public interface IRealTimeObserver : ISimulationObserver
{
    void Attach(RealTimeEngine engine);
}
