using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Planning;

/// <summary>
/// The autoscaling policies a plan tries: the scenario's own policy (metric, replica range, interval, start-up) and
/// timeline (a burst), with every combination of the listed thresholds and cooldowns where down is below up.
/// </summary>
public sealed record AutoscaleSearch(Scenario Scenario, double[] Up, double[] Down, double[] UpCooldowns, double[] DownCooldowns)
{
    public IEnumerable<AutoscalePolicy> Policies() =>
        from u in Up
        from d in Down
        where d < u
        from uc in UpCooldowns
        from dc in DownCooldowns
        select Scenario.Autoscale! with { Up = u, Down = d, UpCooldownSeconds = uc, DownCooldownSeconds = dc };
}
