using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

public enum ArrivalProcess
{
    /// <summary>Exponential inter-arrival times at the rate.</summary>
    Poisson,
    /// <summary>Gamma inter-arrival times with mean 1/rate and the given coefficient of variation (CV &gt; 1 is burstier than Poisson).</summary>
    Gamma,
    /// <summary>Every request at t = 0.</summary>
    Burst,
}

/// <summary>An open-loop generator: arrivals from a process, lengths from a sampler, drawn from the simulation's random stream.</summary>
public sealed class GeneratedWorkloadSource(ArrivalProcess process, double rate, double cv, long count, LengthSampler lengths) : IWorkloadSource
{
    private long _emitted;
    private double _clock;

    public long? Count => count;

    public bool OpenLoop => true;

    public bool TryNext(double now, SimRandom random, out RequestSpec request)
    {
        if (_emitted >= count) { request = default; return false; }
        _clock += process switch
        {
            ArrivalProcess.Poisson => random.NextExponential(rate),
            ArrivalProcess.Gamma => random.NextGamma(1 / (cv * cv), cv * cv / rate),
            _ => 0,
        };
        var (p, o) = lengths.Sample(random);
        _emitted++;
        request = new RequestSpec(_clock, p, o);
        return true;
    }

    public IWorkloadSource Clone() => new GeneratedWorkloadSource(process, rate, cv, count, lengths) { _emitted = _emitted, _clock = _clock };
}
