using System.Globalization;
using System.IO.Compression;
using System.Text;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

public class TraceFileWorkloadSourceTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// <paramref name="rows"/> requests about 0.1 s apart; every 7th row is swapped with the one before it, so the file
    /// is out of order by one row (the first row is not the earliest either).
    /// </summary>
    private static string Write(string format, int rows, bool gzip = false)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-stream-{Guid.NewGuid():N}.{(format is "vidur" or "azure" ? "csv" : "jsonl")}{(gzip ? ".gz" : "")}");
        var rng = new SimRandom(5);
        var order = Enumerable.Range(0, rows).ToArray();
        for (int i = 1; i < rows; i += 7) (order[i - 1], order[i]) = (order[i], order[i - 1]);
        var origin = new DateTime(2023, 11, 16, 18, 15, 46, DateTimeKind.Utc);
        var sb = new StringBuilder();
        if (format == "vidur") sb.Append("arrived_at,num_prefill_tokens,num_decode_tokens\n");
        if (format == "azure") sb.Append("TIMESTAMP,ContextTokens,GeneratedTokens\n");
        foreach (int i in order)
        {
            double t = i * 0.1 + (i % 3) * 0.01;
            int p = rng.NextInt(1, 3800), o = rng.NextInt(1, 600);
            sb.Append(format switch
            {
                "vidur" => string.Create(Inv, $"{t:0.###},{p},{o}\n"),
                "azure" => string.Create(Inv, $"{origin.AddMilliseconds(i * 100 + (i % 3) * 10):yyyy-MM-dd HH:mm:ss.fff},{p},{o}\n"),
                "mooncake" => string.Create(Inv, $"{{\"timestamp\": {i * 100 + (i % 3) * 10}, \"input_length\": {p}, \"output_length\": {o}, \"hash_ids\": [{i % 5}, {i}]}}\n"),
                _ => string.Create(Inv, $"{{\"arrival_time_ns\": {(long)i * 100_000_000 + (i % 3) * 10_000_000}, \"input_toks\": {p}, \"output_toks\": {o}}}\n"),
            });
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        if (gzip)
        {
            using var f = File.Create(path);
            using var z = new GZipStream(f, CompressionLevel.Fastest);
            z.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    private static List<RequestSpec> Drain(IWorkloadSource source)
    {
        var list = new List<RequestSpec>();
        var random = new SimRandom(1);
        while (source.TryNext(0, random, out var r)) list.Add(r);
        return list;
    }

    private static void AssertSame(IReadOnlyList<RequestSpec> expected, IReadOnlyList<RequestSpec> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].ArrivalTime, actual[i].ArrivalTime);
            Assert.Equal(expected[i].PromptTokens, actual[i].PromptTokens);
            Assert.Equal(expected[i].OutputTokens, actual[i].OutputTokens);
            Assert.Equal(expected[i].PrefixHashes, actual[i].PrefixHashes);
            Assert.Equal(expected[i].TokenIds, actual[i].TokenIds);
        }
    }

    [Theory]
    [InlineData("vidur", false)]
    [InlineData("azure", false)]
    [InlineData("mooncake", false)]
    [InlineData("llmservingsim", false)]
    [InlineData("vidur", true)]
    [InlineData("azure", true)]
    public void EveryFormat_StreamsTheRequestsTheInMemoryPathSorts(string format, bool gzip)
    {
        var path = Write(format, 3000, gzip);
        try
        {
            var inMemory = Drain(new TraceWorkloadSource(TraceReader.ReadFile(path).Requests));
            var built = WorkloadSpec.Build(path, 4096);
            Assert.IsType<TraceFileWorkloadSource>(built.Source);
            Assert.Equal(3000, built.Source.Count);
            AssertSame(inMemory, Drain(built.Source));
            Assert.Equal(0, inMemory[0].ArrivalTime);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LargeFile_StreamsLikeTheInMemoryPath_AndSimulatesAlike()
    {
        var path = Write("vidur", 200_000);
        var prefix = Path.ChangeExtension(path, ".prefix.csv");
        try
        {
            var built = WorkloadSpec.Build(path, 4096);
            Assert.Equal(200_000, built.Source.Count);
            Assert.Contains("requests do not fit", Assert.Single(built.Notes));
            AssertSame(Drain(new TraceWorkloadSource(TraceReader.ReadFile(path).Requests)), Drain(built.Source));

            File.WriteAllLines(prefix, File.ReadLines(path).Take(5001));
            var streamed = Simulate(WorkloadSpec.Build(prefix, 4096).Source);
            var inMemory = Simulate(new TraceWorkloadSource(TraceReader.ReadFile(prefix).Requests));
            Assert.Equal(inMemory, streamed);
        }
        finally
        {
            File.Delete(path);
            File.Delete(prefix);
        }
    }

    private static (long, long, double, double, double, double) Simulate(IWorkloadSource source)
    {
        var sim = new Simulator(new SimulationOptions { Replica = TestSupport.Spec(), Replicas = 2 });
        sim.AttachWorkload(source);
        sim.Run();
        var m = sim.Metrics;
        return (m.Completed, m.Rejected, m.Ttft.Sum, m.E2e.Sum, m.Tpot.Sum, sim.Now);
    }

    [Fact]
    public void OutOfOrderWithinTheWindow_IsReordered()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-order-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "arrived_at,num_prefill_tokens,num_decode_tokens\n1.0,10,1\n3.0,30,1\n2.0,20,1\n0.5,5,1\n2.0,21,1\n4.0,40,1\n");
        try
        {
            var source = new TraceFileWorkloadSource(TraceReader.Scan(path, 4096), reorderWindow: 3);
            Assert.Equal(new[] { 5, 10, 20, 21, 30, 40 }, Drain(source).Select(r => r.PromptTokens));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFileInArrivalOrder_SkipsTheReorderHeap_TiesInFileOrder()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-order-{Guid.NewGuid():N}.csv");
        var shuffled = Path.ChangeExtension(path, ".shuffled.csv");
        File.WriteAllText(path, "arrived_at,num_prefill_tokens,num_decode_tokens\n0.5,5,1\n1.0,10,1\n2.0,21,1\n2.0,20,1\n2.0,22,1\n4.0,40,1\n");
        // One row out of place: the first pass must see it and the replay reorder it.
        File.WriteAllText(shuffled, "arrived_at,num_prefill_tokens,num_decode_tokens\n0.5,5,1\n2.0,21,1\n1.0,10,1\n2.0,20,1\n2.0,22,1\n4.0,40,1\n");
        try
        {
            var summary = TraceReader.Scan(path, 4096);
            Assert.True(summary.InOrder);
            Assert.Equal(6, summary.Requests);
            Assert.Equal(new[] { 5, 10, 21, 20, 22, 40 }, Drain(new TraceFileWorkloadSource(summary)).Select(r => r.PromptTokens));

            var reordered = TraceReader.Scan(shuffled, 4096);
            Assert.False(reordered.InOrder);
            Assert.Equal(6, reordered.Requests);
            Assert.Equal(new[] { 5, 10, 21, 20, 22, 40 }, Drain(new TraceFileWorkloadSource(reordered)).Select(r => r.PromptTokens));
        }
        finally
        {
            File.Delete(path);
            File.Delete(shuffled);
        }
    }

    [Fact]
    public void OutOfOrderBeyondTheWindow_NamesFileLineAndBothTimestamps()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-order-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "arrived_at,num_prefill_tokens,num_decode_tokens\n1.0,10,1\n2.0,20,1\n3.0,30,1\n4.0,40,1\n0.25,5,1\n");
        try
        {
            var source = new TraceFileWorkloadSource(TraceReader.Scan(path, 4096), reorderWindow: 2);
            var e = Assert.Throws<WorkloadFormatException>(() => Drain(source));
            Assert.Equal(6, e.Line);
            Assert.Equal("arrived_at", e.Field);
            Assert.StartsWith($"{path}:6: ", e.Message);
            Assert.Contains("arrives at 0.25 s, before 2 s (line 3)", e.Message);
            Assert.Contains("more than 2 rows out of arrival order", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OutOfOrderBeyondTheWindow_IsFoundByTheFirstPass_BeforeASimulation()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-order-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "arrived_at,num_prefill_tokens,num_decode_tokens\n1.0,10,1\n2.0,20,1\n3.0,30,1\n4.0,40,1\n0.25,5,1\n");
        var late = Path.Combine(Path.GetTempPath(), $"tokensim-late-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(late, ["arrived_at,num_prefill_tokens,num_decode_tokens",
            .. Enumerable.Range(1, 70_000).Select(i => string.Create(Inv, $"{i * 0.01:0.##},10,1")), "0.5,10,1"]);
        try
        {
            var e = Assert.Throws<WorkloadFormatException>(() => TraceReader.Scan(path, 4096, reorderWindow: 2));
            Assert.Equal(6, e.Line);
            Assert.Contains("arrives at 0.25 s, before 2 s (line 3)", e.Message);
            Assert.Equal(new[] { 5, 10, 20, 30, 40 }, Drain(WorkloadSpec.Build(path, 4096).Source).Select(r => r.PromptTokens));

            var far = Assert.Throws<WorkloadFormatException>(() => WorkloadSpec.Build(late, 4096));
            Assert.Equal(70_002, far.Line);
            Assert.Contains("arrives at 0.5 s, before 44.64 s (line 4465)", far.Message);
            Assert.Contains("more than 65,536 rows out of arrival order", far.Message);
        }
        finally
        {
            File.Delete(path);
            File.Delete(late);
        }
    }

    [Theory]
    [InlineData("azure", true)]
    [InlineData("mooncake", false)]
    public void LengthsFromAFile_AreReadRowByRow_AsTheInMemoryPathReadsThem(string format, bool gzip)
    {
        var path = Write(format, 20_000, gzip);
        try
        {
            var (rows, _, note) = TraceReader.ReadFile(path).LengthsFitting(4096);
            var (sampler, description, notes) = WorkloadSpec.TraceLengths(path, 4096);
            Assert.Equal(rows.Length, sampler.Rows);
            Assert.Equal(note, Assert.Single(notes));
            Assert.Contains($"({rows.Length:N0} rows)", description);
            var a = new SimRandom(3);
            var b = new SimRandom(3);
            var fromMemory = new LengthSampler.FromTrace(rows);
            for (int i = 0; i < 1000; i++) Assert.Equal(fromMemory.Sample(a), sampler.Sample(b));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Clone_ContinuesFromTheSameRequest()
    {
        var path = Write("mooncake", 500);
        try
        {
            var source = WorkloadSpec.Build(path, 4096).Source;
            var random = new SimRandom(1);
            for (int i = 0; i < 123; i++) Assert.True(source.TryNext(0, random, out _));
            var clone = source.Clone();
            AssertSame(Drain(source), Drain(clone));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
