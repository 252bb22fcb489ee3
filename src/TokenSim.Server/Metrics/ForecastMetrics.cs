using System.Globalization;
using Prometheus;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Metrics;

/// <summary>
/// The forecasts the server refreshes on its own (<c>tokensim_forecast_*</c> gauges, by deployment, replica and
/// horizon) and how the production-clock forecasts scored, in the server's registry (docs/metrics.md lists them).
/// </summary>
public sealed class ForecastMetrics
{
    public const string Running = "tokensim_forecast_running_requests";
    public const string Waiting = "tokensim_forecast_waiting_requests";
    public const string KvUsage = "tokensim_forecast_kv_usage_ratio";
    public const string Ttft = "tokensim_forecast_ttft_seconds";
    public const string Tpot = "tokensim_forecast_tpot_seconds";
    public const string KvExhausted = "tokensim_forecast_kv_exhausted_seconds";
    public const string KvExhaustedProbability = "tokensim_forecast_kv_exhausted_ratio";
    public const string Refreshes = "tokensim_forecast_refreshes_total";
    public const string RefreshDuration = "tokensim_forecast_refresh_duration_seconds";
    public const string ErrorRequests = "tokensim_forecast_mean_abs_error_requests";
    public const string ErrorKv = "tokensim_forecast_kv_mean_abs_error_ratio";
    public const string Scored = "tokensim_forecast_scored_forecasts";
    public const string Coverage = "tokensim_forecast_interval_coverage_ratio";
    public const string Pinball = "tokensim_forecast_pinball_loss";

    private readonly Gauge _running, _waiting, _kv, _ttft, _tpot, _exhausted, _exhaustedProbability, _error, _errorKv, _scored, _coverage, _pinball;
    private readonly Counter _refreshes;
    private readonly Histogram _duration;

    public ForecastMetrics(CollectorRegistry registry)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] state = ["deployment", "replica", "horizon", "stat"];
        _running = f.CreateGauge(Running, "Forecast requests running on a replica this many seconds (horizon) ahead: expected over the seeds, or the p10, p50, p90 or p99 (docs/forecast.md#intervals).", state);
        _waiting = f.CreateGauge(Waiting, "Forecast requests waiting on a replica this many seconds (horizon) ahead: expected over the seeds, or the p10, p50, p90 or p99 (docs/forecast.md#intervals).", state);
        _kv = f.CreateGauge(KvUsage, "Forecast KV cache use of a replica (a fraction of its blocks) this many seconds ahead: expected over the seeds, or the p10, p50, p90 or p99.", state);
        _ttft = f.CreateGauge(Ttft, "Forecast TTFT (p10, p50, p90 or p99) of the requests whose first token comes in the step ending this many seconds ahead.", state);
        _tpot = f.CreateGauge(Tpot, "Forecast TPOT (p10, p50, p90 or p99) of the requests finishing in the step ending this many seconds ahead.", state);
        _exhausted = f.CreateGauge(KvExhausted, "Median seconds until the replica's KV cache is exhausted, over the seeds in which it is within the longest horizon; absent when it is in none.", "deployment", "replica");
        _exhaustedProbability = f.CreateGauge(KvExhaustedProbability, "Fraction of the forecast's seeds in which the replica's KV cache is exhausted within the longest horizon.", "deployment", "replica");
        _refreshes = f.CreateCounter(Refreshes, "Forecasts the server refreshed on its own, by outcome (ok, failed).", "deployment", "outcome");
        _duration = f.CreateHistogram(RefreshDuration, "Wall time of one refreshed forecast of a deployment.",
            new HistogramConfiguration { LabelNames = ["deployment"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _error = f.CreateGauge(ErrorRequests, "Mean absolute error of the production-clock forecasts of running or waiting requests at a horizon: the twin's (forecast=twin) or the naive stays-as-now (forecast=naive).", "deployment", "metric", "horizon", "forecast");
        _errorKv = f.CreateGauge(ErrorKv, "Mean absolute error of the production-clock forecasts of KV use (a fraction): twin or naive.", "deployment", "horizon", "forecast");
        _coverage = f.CreateGauge(Coverage, "Fraction of the production-clock forecasts' observations inside their p10–p90 interval at a horizon, per metric (0.8 when calibrated).", "deployment", "metric", "horizon");
        _pinball = f.CreateGauge(Pinball, "Mean pinball (quantile) loss of the production-clock forecasts' p10, p50 and p90 at a horizon, per metric (in the metric's unit).", "deployment", "metric", "horizon");
        _scored = f.CreateGauge(Scored, "Production-clock forecasts scored so far at each horizon, per metric (read from the twin at each refresh; restarts with the replica grains).", "deployment", "metric", "horizon");
    }

    private static string S(double x) => x.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sets the gauges of one refreshed forecast, each horizon read at the step ending there.</summary>
    public void Forecast(DeploymentForecast f, IReadOnlyList<double> horizons, double seconds)
    {
        _refreshes.WithLabels(f.Deployment, "ok").Inc();
        _duration.WithLabels(f.Deployment).Observe(seconds);
        foreach (var r in f.Replicas)
        {
            string replica = r.Replica.ToString(CultureInfo.InvariantCulture);
            var steps = ForecastSummary.Of(r);
            foreach (double h in horizons)
            {
                int k = Math.Clamp((int)Math.Round(h / f.Spec.StepSeconds) - 1, 0, steps.Length - 1);
                var s = steps[k];
                string hl = S(h);
                Set(_running, s.Running);
                Set(_waiting, s.Waiting);
                Set(_kv, s.KvUsage);
                Latency(_ttft, s.Ttft);
                Latency(_tpot, s.Tpot);

                void Set(Gauge g, SeedSpread x)
                {
                    g.WithLabels(f.Deployment, replica, hl, "expected").Set(x.Expected);
                    g.WithLabels(f.Deployment, replica, hl, "p10").Set(x.P10);
                    g.WithLabels(f.Deployment, replica, hl, "p50").Set(x.P50);
                    g.WithLabels(f.Deployment, replica, hl, "p90").Set(x.P90);
                    g.WithLabels(f.Deployment, replica, hl, "p99").Set(x.P99);
                }

                void Latency(Gauge g, LatencySpread x)
                {
                    // No request got there within the step: the old value would be a claim about this forecast.
                    Stat(g, "p10", x.P10);
                    Stat(g, "p50", x.P50);
                    Stat(g, "p90", x.P90);
                    Stat(g, "p99", x.P99);
                }

                void Stat(Gauge g, string stat, double? value)
                {
                    if (value is { } v) g.WithLabels(f.Deployment, replica, hl, stat).Set(v); else g.RemoveLabelled(f.Deployment, replica, hl, stat);
                }
            }
            var (probability, median) = ForecastSummary.KvExhaustion(r);
            _exhaustedProbability.WithLabels(f.Deployment, replica).Set(probability);
            if (median is { } m) _exhausted.WithLabels(f.Deployment, replica).Set(m); else _exhausted.RemoveLabelled(f.Deployment, replica);
        }
    }

    public void RefreshFailed(string deployment) => _refreshes.WithLabels(deployment, "failed").Inc();

    public void Scores(string deployment, ForecastScoreReport report)
    {
        foreach (var s in report.Scores)
        {
            if (s.Points == 0) continue;
            string h = S(s.HorizonSeconds);
            _scored.WithLabels(deployment, s.Metric, h).Set(s.Points);
            _coverage.WithLabels(deployment, s.Metric, h).Set(s.Coverage80);
            _pinball.WithLabels(deployment, s.Metric, h).Set(s.PinballLoss);
            if (s.Metric == "kv")
            {
                _errorKv.WithLabels(deployment, h, "twin").Set(s.Mae);
                _errorKv.WithLabels(deployment, h, "naive").Set(s.NaiveMae);
            }
            else
            {
                _error.WithLabels(deployment, s.Metric, h, "twin").Set(s.Mae);
                _error.WithLabels(deployment, s.Metric, h, "naive").Set(s.NaiveMae);
            }
        }
    }
}
