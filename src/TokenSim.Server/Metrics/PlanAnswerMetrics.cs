using System.Globalization;
using Prometheus;
using TokenSim.Contracts.V1;

namespace TokenSim.Server.Metrics;

/// <summary>
/// The answer of the last capacity plan this server completed (docs/metrics.md), for the capacity dashboard: the
/// configuration it chose (the cheapest meeting the SLOs, else the nearest to meeting them) as labels, its cost,
/// size and latency as values. A new answer replaces the last one's series.
/// </summary>
public sealed class PlanAnswerMetrics
{
    public const string Found = "tokensim_plan_last_found";
    public const string Replicas = "tokensim_plan_last_replicas";
    public const string Gpus = "tokensim_plan_last_gpus";
    public const string Cost = "tokensim_plan_last_cost_per_hour";
    public const string Ttft = "tokensim_plan_last_ttft_seconds";
    public const string Tpot = "tokensim_plan_last_tpot_seconds";
    public const string Attainment = "tokensim_plan_last_attainment_ratio";
    public const string Simulated = "tokensim_plan_last_candidates_simulated";
    public const string Wall = "tokensim_plan_last_wall_seconds";
    public const string Completed = "tokensim_plan_last_completed_timestamp_seconds";

    private static readonly string[] AnswerLabels = ["answer", "hardware", "tensor_parallel", "scheduler"];
    private readonly Gauge _found, _replicas, _gpus, _cost, _ttft, _tpot, _attainment, _simulated, _wall, _completed;
    private readonly Lock _lock = new();
    private string[]? _last;

    public PlanAnswerMetrics(TokenSimMetrics metrics)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _found = f.CreateGauge(Found, "1 when the last plan found a configuration meeting the SLOs, else 0.");
        _replicas = f.CreateGauge(Replicas, "Replicas of the last plan's answer (answer best: cheapest meeting the SLOs; closest: none does, nearest to).", AnswerLabels);
        _gpus = f.CreateGauge(Gpus, "GPUs of the last plan's answer (replicas x tensor parallel).", AnswerLabels);
        _cost = f.CreateGauge(Cost, "Cost per hour of the last plan's answer, in the plan's currency.", AnswerLabels);
        _ttft = f.CreateGauge(Ttft, "TTFT of the last plan's answer at the SLO percentile, simulated.", AnswerLabels);
        _tpot = f.CreateGauge(Tpot, "TPOT of the last plan's answer at the SLO percentile, simulated.", AnswerLabels);
        _attainment = f.CreateGauge(Attainment, "Fraction of the traffic's requests within every SLO limit for the last plan's answer.", AnswerLabels);
        _simulated = f.CreateGauge(Simulated, "Candidate configurations the last plan simulated.");
        _wall = f.CreateGauge(Wall, "Wall time of the last plan.");
        _completed = f.CreateGauge(Completed, "Unix time the last plan completed.");
    }

    public void Answered(PlanResult result, DateTimeOffset now)
    {
        var answer = result.Found ? result.Best : result.Closest;
        lock (_lock)
        {
            if (_last is not null)
                foreach (var g in new[] { _replicas, _gpus, _cost, _ttft, _tpot, _attainment }) g.RemoveLabelled(_last);
            _last = null;
            _found.Set(result.Found ? 1 : 0);
            _simulated.Set(result.SimulatedCount);
            _wall.Set(result.WallS);
            _completed.Set(now.ToUnixTimeMilliseconds() / 1000.0);
            if (answer is null) return;
            _last = [result.Found ? "best" : "closest", answer.Hardware, answer.TensorParallel.ToString(CultureInfo.InvariantCulture), answer.Scheduler];
            _replicas.WithLabels(_last).Set(answer.Replicas);
            _gpus.WithLabels(_last).Set(answer.Gpus);
            _cost.WithLabels(_last).Set(answer.CostPerHour);
            _ttft.WithLabels(_last).Set(answer.TtftS);
            _tpot.WithLabels(_last).Set(answer.TpotS);
            _attainment.WithLabels(_last).Set(answer.Attainment);
        }
    }
}
