using TokenSim.Core.Simulation;

namespace TokenSim.Core.Metrics;

/// <summary>
/// Everything a run measures, kept in streaming form so memory does not grow with the number of requests:
/// per-request latency histograms, per-token inter-token latencies, per-step batch shapes, KV use integrated over
/// time, and (when asked) a time series sampled at a fixed interval.
/// </summary>
public sealed class SimulationMetrics
{
    public LogHistogram Ttft { get; private set; } = new();
    public LogHistogram Tpot { get; private set; } = new();
    public LogHistogram Itl { get; private set; } = new();
    public LogHistogram E2e { get; private set; } = new();
    public LogHistogram Queue { get; private set; } = new();
    public LogHistogram BatchSize { get; private set; } = new();
    public LogHistogram BatchTokens { get; private set; } = new();
    public LogHistogram StepSeconds { get; private set; } = new();
    /// <summary>KV transfer times from prefill to decode replicas (disaggregated serving).</summary>
    public LogHistogram KvTransfer { get; private set; } = new();

    public long Arrived { get; internal set; }
    public long Completed { get; internal set; }
    public long Rejected { get; internal set; }
    public long Aborted { get; internal set; }
    public long Preemptions { get; internal set; }
    public long PromptTokens { get; internal set; }
    public long OutputTokens { get; internal set; }
    public long Steps { get; internal set; }
    public double FirstArrival { get; internal set; } = double.NaN;
    public double LastFinish { get; internal set; }

    /// <summary>Σ over replicas of ∫ KV usage dt, and the largest usage seen on any replica.</summary>
    public double KvUsageIntegral { get; internal set; }
    public double KvUsageMax { get; internal set; }
    public double BusySeconds { get; internal set; }

    /// <summary>Sampling period of <see cref="TimeSeries"/> in simulated seconds; 0 turns it off.</summary>
    public double TimeSeriesInterval { get; init; }
    public List<TimeSeriesPoint> TimeSeries { get; private set; } = [];

    /// <summary>
    /// Counts only: the histograms stay empty. For a what-if copy whose metrics nobody reads (the twin's forks, which
    /// read requests and replicas): a fork's histograms, grown octave by octave as its steps reach them, were a third
    /// of the twin's allocations with forecasts on (docs/operations.md, the soak's allocations).
    /// </summary>
    internal bool CountsOnly { get; init; }

    internal void RecordItl(double seconds)
    {
        if (!CountsOnly) Itl.Add(seconds);
    }

    internal void RecordItl(double seconds, int count)
    {
        if (!CountsOnly) Itl.Add(seconds, count);
    }

    /// <summary>A decode run's inter-token latencies, each booked <paramref name="counts"/> times (empty: once).</summary>
    internal void RecordItls(ReadOnlySpan<double> seconds, ReadOnlySpan<int> counts)
    {
        if (!CountsOnly) Itl.AddEach(seconds, counts);
    }

    internal void RecordKvTransfer(double seconds)
    {
        if (!CountsOnly) KvTransfer.Add(seconds);
    }

    internal void RecordFinished(Request r)
    {
        Completed++;
        OutputTokens += r.Generated;
        if (r.FinishTime > LastFinish) LastFinish = r.FinishTime;
        if (CountsOnly) return;
        Ttft.Add(r.TtftSeconds);
        E2e.Add(r.E2eSeconds);
        Queue.Add(r.QueueSeconds);
        if (r.Generated > 1) Tpot.Add(r.TpotSeconds);
    }

    internal void RecordStep(in BatchShape shape, double seconds, double kvUsage)
    {
        Steps++;
        if (!CountsOnly)
        {
            BatchSize.Add(shape.Sequences);
            BatchTokens.Add(shape.Tokens);
        }
        RecordStepTime(seconds, kvUsage);
    }

    /// <summary>
    /// <paramref name="steps"/> decode steps of <paramref name="sequences"/> one-token sequences, as many
    /// <see cref="RecordStep"/> calls would book them; their times follow through <see cref="RecordStepTime"/>.
    /// </summary>
    internal void RecordDecodeSteps(int sequences, int steps)
    {
        Steps += steps;
        if (CountsOnly) return;
        BatchSize.Add(sequences, steps);
        BatchTokens.Add(sequences, steps);
    }

    /// <summary>The time and KV use of one step whose shape <see cref="RecordDecodeSteps"/> booked.</summary>
    internal void RecordStepTime(double seconds, double kvUsage)
    {
        if (!CountsOnly) StepSeconds.Add(seconds);
        BusySeconds += seconds;
        KvUsageIntegral += kvUsage * seconds;
        if (kvUsage > KvUsageMax) KvUsageMax = kvUsage;
    }

    /// <summary>
    /// <see cref="RecordStepTime"/> for each of a decode run's steps, the KV use of each from the free blocks when it was
    /// launched out of <paramref name="totalBlocks"/>: the same sums, added in the same order.
    /// </summary>
    internal void RecordStepTimes(ReadOnlySpan<double> seconds, ReadOnlySpan<int> freeAtLaunch, int totalBlocks)
    {
        if (!CountsOnly) StepSeconds.AddEach(seconds, []);
        double busy = BusySeconds, integral = KvUsageIntegral, peak = KvUsageMax;
        for (int i = 0; i < seconds.Length; i++)
        {
            double kvUsage = totalBlocks == 0 ? 0 : (double)(totalBlocks - freeAtLaunch[i]) / totalBlocks;
            busy += seconds[i];
            integral += kvUsage * seconds[i];
            if (kvUsage > peak) peak = kvUsage;
        }
        BusySeconds = busy;
        KvUsageIntegral = integral;
        KvUsageMax = peak;
    }

    internal SimulationMetrics Clone() => new()
    {
        Ttft = Ttft.Clone(), Tpot = Tpot.Clone(), Itl = Itl.Clone(), E2e = E2e.Clone(), Queue = Queue.Clone(),
        BatchSize = BatchSize.Clone(), BatchTokens = BatchTokens.Clone(), StepSeconds = StepSeconds.Clone(), KvTransfer = KvTransfer.Clone(),
        Arrived = Arrived, Completed = Completed, Rejected = Rejected, Aborted = Aborted, Preemptions = Preemptions,
        PromptTokens = PromptTokens, OutputTokens = OutputTokens, Steps = Steps, FirstArrival = FirstArrival,
        LastFinish = LastFinish, KvUsageIntegral = KvUsageIntegral, KvUsageMax = KvUsageMax, BusySeconds = BusySeconds,
        TimeSeriesInterval = TimeSeriesInterval, TimeSeries = [.. TimeSeries],
    };
}
