using TokenSim.Twin.Abstractions;
using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// A scenario (docs/scenarios.md) as one replica's forecast sees it. Each replica is forecast in forks of its own
/// simulation, driven by arrivals drawn from its learned traffic, so a deployment-wide scenario splits: the events
/// naming this replica (straggler, KV loss, slower link, its loss) are attached to its forks as replica 0's; rate and
/// length events reshape the drawn arrivals; a replica lost elsewhere sends its share of the traffic to the survivors
/// (each gets n / survivors of its own from then on, as an even router would). A lost replica's own requests leave
/// its forks at the loss: with <c>requests: reroute</c> (the default) its forecast hands them over, seed by seed
/// (<see cref="ReplicaForecast.Evacuated"/>), and the deployment grain re-routes them to the survivors' forks of the
/// same seeds (<see cref="ForecastSpec.Rerouted"/>); with <c>fail</c> they are aborted. A scenario that acts across
/// replicas (autoscaling, replicas added, a router change) is forecast by <see cref="FleetForecaster"/> instead.
/// </summary>
public sealed class ForecastScenario
{
    private readonly Scenario? _fork;
    private readonly ScenarioEvent[] _traffic;
    private readonly double[] _lostAt;
    private readonly int _replica;

    private ForecastScenario(Scenario? fork, ScenarioEvent[] traffic, double[] lostAt, int replica)
    {
        (_fork, _traffic, _lostAt, _replica) = (fork, traffic, lostAt, replica);
    }

    /// <summary>Reads a scenario's YAML for a forecast of a deployment of <paramref name="replicas"/>; the first problem is an <see cref="ArgumentException"/> naming the line.</summary>
    public static Scenario Read(string yaml, int replicas)
    {
        Scenario s;
        try { s = ScenarioReader.Parse(yaml, "scenario"); }
        catch (FormatException e) { throw new ArgumentException(e.Message, e); }
        foreach (var e in s.Events)
            if (e.Replica >= replicas)
                throw new ArgumentException($"scenario:{e.Line}: replica {e.Replica} does not exist (the deployment has replicas 0 to {replicas - 1}).");
        // The twin's deployments are not disaggregated: there is no decode pool to add to.
        int decode = s.Events.FirstOrDefault(e => e.Decode)?.Line ?? (s.Autoscale is { Decode: true } d ? d.Line : -1);
        if (decode >= 0) throw new ArgumentException($"scenario:{decode}: 'pool: decode' needs a disaggregated deployment; the twin's deployments are not.");
        if (s.Autoscale is { } a && (a.MinReplicas < 1 || a.MaxReplicas > DeploymentSpecs.MaxReplicas))
            throw new ArgumentException($"scenario:{a.Line}: the autoscaler's replicas must stay within 1 to {DeploymentSpecs.MaxReplicas}.");
        return s;
    }

    /// <summary>
    /// Whether the scenario acts across replicas (an autoscaling policy, a replica added, a router change), so the
    /// deployment is forecast as one simulation (<see cref="FleetForecaster"/>) rather than replica by replica.
    /// </summary>
    public static bool NeedsFleet(Scenario s) =>
        s.Autoscale is not null || s.Events.Any(e => e.Kind is ScenarioEventKind.ReplicaAdded or ScenarioEventKind.Router);

    /// <summary>What replica <paramref name="replica"/> of <paramref name="replicas"/> sees of <paramref name="scenario"/>.</summary>
    public static ForecastScenario For(Scenario scenario, int replica, int replicas)
    {
        var own = scenario.Events
            .Where(e => e.Replica == replica && e.Kind is ScenarioEventKind.Straggler or ScenarioEventKind.KvLoss or ScenarioEventKind.SlowLink or ScenarioEventKind.ReplicaLost)
            .Select(e => e.Kind == ScenarioEventKind.ReplicaLost ? e with { Replica = 0, FailRequests = true } : e with { Replica = 0 })
            .ToArray();
        var traffic = scenario.Events.Where(e => e.Kind is ScenarioEventKind.Rate or ScenarioEventKind.Lengths).ToArray();
        var losses = Losses(scenario, replicas);
        return new ForecastScenario(own.Length == 0 ? null : new Scenario(own, null, scenario.Source), traffic, losses.Select(l => l.At).ToArray(), replica)
        {
            ReroutesAt = losses[replica].Reroute ? losses[replica].At : double.PositiveInfinity,
        };
    }

    /// <summary>Seconds into the forecast at which this replica is lost with its requests re-routed; +∞ when it is not.</summary>
    public double ReroutesAt { get; private init; } = double.PositiveInfinity;

    /// <summary>
    /// When each replica of the deployment is lost (+∞: never) and whether its requests are re-routed, from the
    /// scenario's first replica-lost event for it.
    /// </summary>
    public static (double At, bool Reroute)[] Losses(Scenario scenario, int replicas)
    {
        var losses = Enumerable.Repeat((double.PositiveInfinity, false), replicas).ToArray();
        foreach (var e in scenario.Events.Where(e => e.Kind == ScenarioEventKind.ReplicaLost))
            if (e.At < losses[e.Replica].Item1) losses[e.Replica] = (e.At, !e.FailRequests);
        return losses;
    }

    /// <summary>Attaches this replica's own events to a fork (its clock is the forecast's start).</summary>
    public void Attach(Simulator fork)
    {
        if (_fork is not null) fork.AttachScenario(_fork);
    }

    /// <summary>The multiple of the learned rate this replica receives <paramref name="ahead"/> seconds into the forecast (0 once it is lost).</summary>
    public double RateAt(double ahead)
    {
        if (_lostAt[_replica] <= ahead) return 0;
        double m = 1;
        foreach (var e in _traffic)
            if (e.Kind == ScenarioEventKind.Rate && e.At <= ahead && ahead < e.Until) m *= e.Factor;
        int alive = _lostAt.Count(t => t > ahead);
        return m * _lostAt.Length / alive;
    }

    /// <summary>The prompt and output length factors for a request arriving <paramref name="ahead"/> seconds in.</summary>
    public (double Prompt, double Output) LengthsAt(double ahead)
    {
        double p = 1, o = 1;
        foreach (var e in _traffic)
        {
            if (e.Kind != ScenarioEventKind.Lengths || e.At > ahead || ahead >= e.Until) continue;
            p *= e.PromptScale;
            o *= e.OutputScale;
        }
        return (p, o);
    }
}
