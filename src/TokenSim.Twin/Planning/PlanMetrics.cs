using Prometheus;

namespace TokenSim.Twin.Planning;

/// <summary>
/// The plan workers' metrics, labelled by the silo that ran the simulation (docs/metrics.md): with several silos
/// they show where a plan's work went.
/// </summary>
public sealed class PlanMetrics
{
    public const string Simulations = "tokensim_plan_simulations_total";
    public const string Running = "tokensim_plan_simulations_running";
    public const string Duration = "tokensim_plan_simulation_duration_seconds";

    private readonly Counter _simulations;
    private readonly Gauge _running;
    private readonly Histogram _duration;

    public PlanMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _simulations = f.CreateCounter(Simulations, "Candidate simulations a silo's plan workers completed.", "silo");
        _running = f.CreateGauge(Running, "Candidate simulations running on a silo's plan workers now.", "silo");
        _duration = f.CreateHistogram(Duration, "Wall time of one candidate simulation.",
            new HistogramConfiguration { LabelNames = ["silo"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });
    }

    public CollectorRegistry Registry { get; }

    public Scope Start(string silo)
    {
        _running.WithLabels(silo).Inc();
        return new Scope(this, silo);
    }

    public double SimulationsOf(string silo) => _simulations.WithLabels(silo).Value;

    /// <summary>One simulation in flight; counted when <see cref="Completed"/>, not when cancelled or failed.</summary>
    public sealed class Scope(PlanMetrics metrics, string silo) : IDisposable
    {
        public void Completed(double seconds)
        {
            metrics._simulations.WithLabels(silo).Inc();
            metrics._duration.WithLabels(silo).Observe(seconds);
        }

        public void Dispose() => metrics._running.WithLabels(silo).Dec();
    }
}
