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
    /// A decode run's <paramref name="seconds"/>.Length steps in one pass: the inter-token latencies of the tokens
    /// sampled at each step end (<c>ends[i + 1] − ends[i]</c>, booked <c>sequences[i]</c> times, less the
    /// <paramref name="firstTokens"/> at the first end, which are no inter-token latency), and each step's time
    /// and KV use (from the free blocks when it was launched, out of <paramref name="totalBlocks"/>) as
    /// <see cref="RecordStepTime"/> books them. Each histogram and sum gets the same values in the same order as a call
    /// per step would give it; the pass only interleaves them.
    /// </summary>
    internal void RecordDecodeRun(ReadOnlySpan<double> ends, ReadOnlySpan<int> sequences, int firstTokens, ReadOnlySpan<double> seconds, ReadOnlySpan<int> freeAtLaunch, int totalBlocks)
    {
        int m = seconds.Length;
        ends = ends[..(m + 1)];
        sequences = sequences[..m];
        freeAtLaunch = freeAtLaunch[..m];
        // Every value positive (the usual case) and a run's length: both histograms in one pass with no call inside
        // (SumRun), the buckets noted per step and counted after it. Otherwise each histogram's own AddEach.
        bool fast = !CountsOnly && m <= MaxFastRun;
        for (int i = 0; i < m && fast; i++) fast = ends[i + 1] - ends[i] > 0 && seconds[i] > 0;
        if (!fast)
        {
            if (!CountsOnly)
            {
                var itls = new double[m];
                var counts = new int[m];
                for (int i = 0; i < m; i++) (itls[i], counts[i]) = (ends[i + 1] - ends[i], i == 0 ? sequences[0] - firstTokens : sequences[i]);
                Itl.AddEach(itls, counts);
                StepSeconds.AddEach(seconds, []);
            }
            double busy = BusySeconds, integral = KvUsageIntegral, peak = KvUsageMax;
            for (int i = 0; i < m; i++)
            {
                double kvUsage = totalBlocks == 0 ? 0 : (double)(totalBlocks - freeAtLaunch[i]) / totalBlocks;
                busy += seconds[i];
                integral += kvUsage * seconds[i];
                if (kvUsage > peak) peak = kvUsage;
            }
            (BusySeconds, KvUsageIntegral, KvUsageMax) = (busy, integral, peak);
            return;
        }
        var sums = new RunSums { Busy = BusySeconds, Integral = KvUsageIntegral, Peak = KvUsageMax };
        (sums.ItlCount, sums.ItlSum, sums.ItlMin, sums.ItlMax) = Itl.Totals;
        (sums.StepCount, sums.StepSum, sums.StepMin, sums.StepMax) = StepSeconds.Totals;
        Span<int> itlBuckets = stackalloc int[m];
        Span<int> itlCounts = stackalloc int[m];
        Span<int> stepBuckets = stackalloc int[m];
        SumRun(ends, sequences, firstTokens, seconds, freeAtLaunch, totalBlocks, itlBuckets, itlCounts, stepBuckets, ref sums);
        (BusySeconds, KvUsageIntegral, KvUsageMax) = (sums.Busy, sums.Integral, sums.Peak);
        Itl.Totals = (sums.ItlCount, sums.ItlSum, sums.ItlMin, sums.ItlMax);
        StepSeconds.Totals = (sums.StepCount, sums.StepSum, sums.StepMin, sums.StepMax);
        // Consecutive steps mostly share a bucket (a run's step times grow slowly): one count per stretch of them.
        for (int i = 0, j; i < m; i = j)
        {
            long n = 0;
            for (j = i; j < m && itlBuckets[j] == itlBuckets[i]; j++) n += Math.Max(0, itlCounts[j]);
            Itl.AddToBucket(itlBuckets[i], n);
        }
        for (int i = 0, j; i < m; i = j)
        {
            for (j = i + 1; j < m && stepBuckets[j] == stepBuckets[i]; j++) { }
            StepSeconds.AddToBucket(stepBuckets[i], j - i);
        }
    }

    /// <summary>The running sums of <see cref="SumRun"/>: both histograms' count, sum, min and max, and the busy time and KV use.</summary>
    private struct RunSums
    {
        public long ItlCount, StepCount;
        public double ItlSum, ItlMin, ItlMax, StepSum, StepMin, StepMax, Busy, Integral, Peak;
    }

    /// <summary>
    /// <see cref="RecordDecodeRun"/>'s loop over positive values, apart so that with no call inside every sum stays in
    /// a register: the sums in the order a call per step adds them, each step's buckets noted for the caller.
    /// </summary>
    private static void SumRun(ReadOnlySpan<double> ends, ReadOnlySpan<int> sequences, int firstTokens, ReadOnlySpan<double> seconds,
        ReadOnlySpan<int> freeAtLaunch, int totalBlocks, Span<int> itlBuckets, Span<int> itlCounts, Span<int> stepBuckets, ref RunSums sums)
    {
        long itlCount = sums.ItlCount, stepCount = sums.StepCount;
        double itlSum = sums.ItlSum, itlMin = sums.ItlMin, itlMax = sums.ItlMax;
        double stepSum = sums.StepSum, stepMin = sums.StepMin, stepMax = sums.StepMax;
        double busy = sums.Busy, integral = sums.Integral, peak = sums.Peak;
        int m = seconds.Length;
        for (int i = 0; i < m; i++)
        {
            double v = ends[i + 1] - ends[i], s = seconds[i];
            int c = i == 0 ? sequences[0] - firstTokens : sequences[i];
            itlCounts[i] = c;
            if (c > 0)
            {
                itlCount += c;
                itlSum += v;
                if (c > 1) itlSum += v * (c - 1);
                if (v < itlMin) itlMin = v;
                if (v > itlMax) itlMax = v;
                itlBuckets[i] = LogHistogram.BucketOf(v);
            }
            stepCount++;
            stepSum += s;
            if (s < stepMin) stepMin = s;
            if (s > stepMax) stepMax = s;
            stepBuckets[i] = LogHistogram.BucketOf(s);
            double kvUsage = totalBlocks == 0 ? 0 : (double)(totalBlocks - freeAtLaunch[i]) / totalBlocks;
            busy += s;
            integral += kvUsage * s;
            if (kvUsage > peak) peak = kvUsage;
        }
        (sums.ItlCount, sums.ItlSum, sums.ItlMin, sums.ItlMax) = (itlCount, itlSum, itlMin, itlMax);
        (sums.StepCount, sums.StepSum, sums.StepMin, sums.StepMax) = (stepCount, stepSum, stepMin, stepMax);
        (sums.Busy, sums.Integral, sums.Peak) = (busy, integral, peak);
    }

    /// <summary>The longest run <see cref="RecordDecodeRun"/> books from the stack (a decode run has at most 64 steps).</summary>
    private const int MaxFastRun = 256;

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
