using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using TokenSim.Contracts.V1;

namespace TokenSim.Bench.Ingest;

/// <summary>One measured repeat: a fresh deployment, warmed up, then closed-loop calls for a fixed duration.</summary>
internal static class IngestRepeat
{
    public static async Task<RepeatResult> RunAsync(GrpcChannel channel, Metadata? headers, BenchOptions o, string deployment)
    {
        var deployments = new Deployments.DeploymentsClient(channel);
        await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest
        {
            Spec = new DeploymentSpec { Name = deployment, Model = o.Model, Hardware = o.Hardware, TensorParallel = 1, Replicas = o.Replicas },
        }, headers);
        var ingest = new TokenSim.Contracts.V1.Ingest.IngestClient(channel);
        double epoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var clock = Stopwatch.StartNew();
        double measureFrom = o.WarmupSeconds, measureTo = o.WarmupSeconds + o.DurationSeconds;
        var laneNow = new double[o.Concurrency];
        var lanes = Enumerable.Range(0, o.Concurrency).Select(lane => Task.Run(async () =>
        {
            var gen = new LifecycleGenerator(deployment, lane, o.Concurrency, o.Replicas, o.RatePerReplica, o.SnapshotInterval, epoch);
            var lat = new List<double>();
            long events = 0, notApplied = 0;
            string? problem = null;
            while (clock.Elapsed.TotalSeconds < measureTo)
            {
                var batch = new IngestBatchRequest();
                gen.Fill(batch, o.BatchEvents);
                Volatile.Write(ref laneNow[lane], gen.Now);
                // Production's streams all run in real time: a lane that got ahead waits for the slowest, so no
                // lane falls further behind a replica's clock than the server's lateness bound allows.
                while (gen.Now - Slowest(laneNow) > MaxSkewSeconds && clock.Elapsed.TotalSeconds < measureTo) await Task.Delay(1);
                double start = clock.Elapsed.TotalSeconds;
                var ack = await ingest.IngestBatchAsync(batch, headers);
                double end = clock.Elapsed.TotalSeconds;
                if (ack.Applied != batch.Events.Count)
                {
                    notApplied += batch.Events.Count - ack.Applied;
                    problem ??= ack.Outcomes.First(x => x.Outcome != Outcome.Applied) is var bad ? $"{bad.EventId}: {bad.Outcome} {bad.Reason}" : null;
                }
                if (start >= measureFrom && end <= measureTo)
                {
                    lat.Add((end - start) * 1000);
                    events += batch.Events.Count;
                }
            }
            return (lat, events, notApplied, problem, gen.Now);
        })).ToArray();
        var done = await Task.WhenAll(lanes);
        var latencies = done.SelectMany(d => d.lat).Order().ToArray();
        return new RepeatResult
        {
            Deployment = deployment,
            Calls = latencies.Length,
            Events = done.Sum(d => d.events),
            EventsPerSecond = done.Sum(d => d.events) / o.DurationSeconds,
            P50Ms = Percentile(latencies, 0.50),
            P99Ms = Percentile(latencies, 0.99),
            MaxMs = latencies.Length == 0 ? double.NaN : latencies[^1],
            ProductionSpeed = done.Min(d => d.Now) / measureTo,
            NotApplied = done.Sum(d => d.notApplied),
            FirstProblem = done.Select(d => d.problem).FirstOrDefault(p => p is not null),
        };
    }

    /// <summary>Production seconds a lane may run ahead of the slowest one.</summary>
    private const double MaxSkewSeconds = 1;

    private static double Slowest(double[] laneNow)
    {
        double min = double.PositiveInfinity;
        for (int i = 0; i < laneNow.Length; i++) min = Math.Min(min, Volatile.Read(ref laneNow[i]));
        return min;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

internal sealed record RepeatResult
{
    public required string Deployment { get; init; }
    public int Calls { get; init; }
    public long Events { get; init; }
    public double EventsPerSecond { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
    /// <summary>Production seconds generated per wall second: how much faster than real time the stream ran.</summary>
    public double ProductionSpeed { get; init; }
    public long NotApplied { get; init; }
    public string? FirstProblem { get; init; }

    public string Line(int n) => string.Create(CultureInfo.InvariantCulture,
        $"repeat {n}: {EventsPerSecond:F0} events/s ({Events} events in {Calls} calls), ack p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, max {MaxMs:F1} ms, production {ProductionSpeed:F1}x real time");
}
