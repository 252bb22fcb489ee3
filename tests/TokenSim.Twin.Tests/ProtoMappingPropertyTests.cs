using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;
using TokenSim.Core.Entities;
using TokenSim.Planning;
using TokenSim.Server.Grpc;
using TokenSim.Twin.Abstractions;
using Event = TokenSim.Contracts.V1.Event;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The mapping from the public contract's messages to the twin's and the planner's types, under what a stranger's
/// client can send (CsCheck, fixed seeds): every field at its extremes (int32 and int64 bounds, NaN, infinities,
/// timestamps outside protobuf's range, control characters, lists longer than a prompt), and serialized messages with
/// their bytes mutated. An event maps to the twin's or is refused with a one-line reason, and a mapped event passes the
/// twin's rules or is refused with one; a deployment spec builds or is an <see cref="ArgumentException"/>; a plan
/// request's traffic, SLO and candidates map and validate or are an <see cref="ArgumentException"/>: the errors the
/// services answer INVALID_ARGUMENT. Never another exception (the services would answer UNKNOWN).
/// </summary>
public sealed class ProtoMappingPropertyTests
{
    private static readonly Gen<int> Int = Gen.Frequency(
        (3, Gen.Int[-3, 300]), (2, Gen.OneOf(int.MinValue, int.MaxValue, int.MaxValue - 1, 1 << 20, (1 << 20) + 1, 1 << 24, (1 << 24) + 1, 131_072, 131_071)), (1, Gen.Int));

    private static readonly Gen<long> Long = Gen.Frequency(
        (3, Gen.Long[-3, 1L << 40]), (2, Gen.OneOf(long.MinValue, long.MaxValue, 1L << 62, 253_402_300_799L, 253_402_300_800L, -62_135_596_800L, -62_135_596_801L, 0L, 1_780_000_000L)), (1, Gen.Long));

    private static readonly Gen<double> Double = Gen.Frequency(
        (3, Gen.Double[-10, 1e4]), (2, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, -double.MaxValue, 1e308, 1e-308, 0.5, 1.0, 1.0000001)));

    private static readonly Gen<string> Text = Gen.Frequency(
        (3, Gen.String[Gen.Char["a-z0-9._-"], 0, 12]),
        (1, Gen.OneOf("", "\u001b]0;x\u0007\u001b[2J", "a\nb", "\0", new string('x', 129), new string('y', 257), "llama-3.1-8b", "a100-80g", "vllm-v1", "roofline", "\uFFFD\u202E")),
        (1, Gen.String));

    private static readonly Gen<Timestamp?> Time = Gen.Frequency(
        (1, Gen.Const((Timestamp?)null)),
        (4, Gen.Select(Long, Gen.Frequency((3, Gen.Int[0, 999_999_999]), (1, Int)), (s, n) => (Timestamp?)new Timestamp { Seconds = s, Nanos = n })));

    private static Gen<T[]> ListOf<T>(Gen<T> gen) => Gen.Frequency((4, gen.Array[0, 8]), (1, gen.Array[0, 3000]));

    private static readonly Gen<Event> EventGen = Gen.Select(Text, Text, Int, Time, Gen.Int[0, 8],
        Gen.Select(Text, Int, Int, ListOf(Long), ListOf(Int), Gen.Bool),
        Gen.Select(Int, Int, Double, Int, Gen.Bool, Gen.Bool),
        (id, deployment, replica, at, payload, request, numbers) =>
        {
            var e = new Event { EventId = id, Deployment = deployment, Replica = replica, ProducedAt = at };
            var (rid, prompt, max, hashes, ids, frontend) = request;
            switch (payload)
            {
                case 0: break; // no payload
                case 1:
                    e.RequestArrived = new RequestArrived { RequestId = rid, PromptTokens = prompt, MaxTokens = max, FrontendArrival = frontend };
                    e.RequestArrived.PrefixBlockHashes.AddRange(hashes);
                    e.RequestArrived.PromptTokenIds.AddRange(ids);
                    break;
                case 2: e.RequestScheduled = new RequestScheduled { RequestId = rid }; break;
                case 3: e.FirstToken = new FirstToken { RequestId = rid }; break;
                case 4: e.TokensProgress = new TokensProgress { RequestId = rid, OutputTokens = prompt }; break;
                case 5: e.RequestFinished = new RequestFinished { RequestId = rid, OutputTokens = max }; break;
                case 6: e.RequestAborted = new RequestAborted { RequestId = rid }; break;
                case 7: e.RequestPreempted = new RequestPreempted { RequestId = rid }; break;
                default:
                    var (running, waiting, usage, total, hasUsage, hasTotal) = numbers;
                    e.EngineSnapshot = new EngineSnapshot { Running = running, Waiting = waiting };
                    if (hasUsage) e.EngineSnapshot.KvCacheUsage = usage;
                    if (hasTotal) e.EngineSnapshot.KvBlocksTotal = total;
                    break;
            }
            return e;
        });

    /// <summary>The rules of a Llama-3.1-8B deployment of 2 replicas on an A100-80G: 131,072-token context, 16-token blocks.</summary>
    private static readonly TwinEventRules Rules = new("fuzz", replicas: 2, maxModelLen: 131_072, blockSize: 16);

    private static void AssertOneLine(string reason)
    {
        Assert.False(string.IsNullOrWhiteSpace(reason), "a refusal names its problem");
        Assert.False(reason.Contains('\n') || reason.Contains('\r'), $"the reason is not one line: {reason}");
    }

    /// <summary>What the ingest path does with one event before a replica sees it: map, the deployment's rules, the window.</summary>
    private static void MapAndCheck(Event e)
    {
        var (twin, problem) = ProtoMapper.FromProto(e);
        if (twin is null)
        {
            AssertOneLine(problem!);
            return;
        }
        if (Rules.Check(twin) is { } reason)
        {
            AssertOneLine(reason);
            return;
        }
        // The window is checked against a clock the deployment may not have yet, and against the silo's wall clock.
        if (ProductionTime.CheckWindow(twin.TimeSeconds, null, 1_780_000_000, 300, "fuzz") is { } outside) AssertOneLine(outside);
        if (ProductionTime.CheckWindow(twin.TimeSeconds, 1_780_000_000, 1_780_000_000, 300, "fuzz") is { } outside2) AssertOneLine(outside2);
    }

    [Fact]
    public void Events_AnyFieldValues_MapAndPassTheRulesOrAreRefusedInOneLine()
    {
        SeededCheck.ForAll(EventGen, MapAndCheck, iterations: 3000, print: e => e.ToString());
    }

    [Fact]
    public void IngestBatches_MutatedBytes_ParseOrProtobufError_EachEventMapsOrIsRefused()
    {
        var gen = Gen.Select(EventGen.Array[1, 4], Gen.Select(Gen.Int[0, 4], Gen.Int[0, 9999], Gen.Int[0, 255]).Array[1, 4]);
        SeededCheck.ForAll(gen, t =>
        {
            var bytes = new IngestBatchRequest { Events = { t.Item1 } }.ToByteArray().ToList();
            foreach (var (kind, at, value) in t.Item2)
            {
                int i = Math.Min(bytes.Count, (int)((long)at * (bytes.Count + 1) / 10_000));
                switch (kind)
                {
                    case 0: bytes.RemoveRange(i, bytes.Count - i); break;
                    case 1: if (i < bytes.Count) bytes[i] ^= (byte)(1 << (value % 8)); break;
                    case 2: if (i < bytes.Count) bytes[i] = (byte)value; break;
                    case 3: bytes.Insert(i, (byte)value); break;
                    case 4: if (i < bytes.Count) bytes.RemoveAt(i); break;
                }
            }
            IngestBatchRequest batch;
            try
            {
                batch = IngestBatchRequest.Parser.ParseFrom(bytes.ToArray());
            }
            catch (InvalidProtocolBufferException)
            {
                return; // gRPC answers it INTERNAL before a service sees it
            }
            foreach (var e in batch.Events) MapAndCheck(e);
        }, iterations: 1500, print: t => $"{string.Join(" | ", t.Item1.Select(e => e.ToString()))} mutated {string.Join(" ", t.Item2)}");
    }

    private static readonly Gen<DeploymentSpec> SpecGen = Gen.Select(
        Gen.Select(Gen.Frequency((3, Gen.Const("fuzz-1")), (1, Text)), Gen.Frequency((4, Gen.OneOf("llama-3.1-8b", "llama-2-7b", "qwen3-30b-a3b")), (1, Text)),
            Gen.Frequency((4, Gen.OneOf("a100-80g", "h100-sxm", "l40s")), (1, Text)), Gen.Frequency((3, Gen.OneOf(0, 1, 2, 4, 8)), (1, Int)),
            Gen.Frequency((3, Gen.Int[0, 4]), (1, Int))),
        Gen.Select(Int, Int, Int, Int, Int, Double, Gen.Int[0, 127]),
        Gen.Select(Gen.Frequency((3, Gen.OneOf("", "vllm-v1", "sarathi")), (1, Text)), Gen.Frequency((3, Gen.OneOf("", "roofline", "auto")), (1, Text))),
        (head, engine, names) =>
        {
            var spec = new DeploymentSpec { Name = head.Item1, Model = head.Item2, Hardware = head.Item3, TensorParallel = head.Item4, Replicas = head.Item5, Scheduler = names.Item1, PerfModel = names.Item2 };
            var (seqs, tokens, block, blocks, len, utilization, present) = engine;
            var e = new EngineSettings();
            if ((present & 1) != 0) e.MaxNumSeqs = seqs;
            if ((present & 2) != 0) e.MaxNumBatchedTokens = tokens;
            if ((present & 4) != 0) e.BlockSize = block;
            if ((present & 8) != 0) e.KvBlocks = blocks;
            if ((present & 16) != 0) e.MaxModelLen = len;
            if ((present & 32) != 0) e.GpuMemoryUtilization = utilization;
            if ((present & 64) != 0) e.EnablePrefixCaching = (present & 1) == 0;
            spec.Engine = e;
            return spec;
        });

    [Fact]
    public void DeploymentSpecs_AnyFieldValues_BuildOrAreAnArgumentError()
    {
        SeededCheck.ForAll(SpecGen, s =>
        {
            try
            {
                var replica = DeploymentSpecs.Build(ProtoMapper.FromProto(s));
                Assert.InRange(replica.NumGpuBlocks, 1, EngineLimits.MaxKvBlocks);
            }
            catch (ArgumentException e)
            {
                AssertOneLine(e.Message);
            }
        }, iterations: 400, print: s => s.ToString());
    }

    private static readonly Gen<PlanRequest> PlanGen = Gen.Select(
        Gen.Select(ListOf(Double), ListOf(Int), ListOf(Int), Gen.Int[0, 2], Double, Double),
        Gen.Select(Double, Double, Double, Double, Gen.Int[0, 15]),
        Gen.Select(Gen.Frequency((3, Gen.OneOf("a100-80g", "l40s")), (1, Text)).Array[0, 3], Int.Array[0, 3], Int, Int, Double),
        (traffic, slo, candidates) =>
        {
            var (arrivals, prompts, outputs, source, rate, growth) = traffic;
            var request = new PlanRequest { Traffic = new Contracts.V1.Traffic { Growth = growth } };
            // Arrivals of equal lengths half the time, so that the mapping gets past the count check.
            int n = Math.Min(arrivals.Length, Math.Min(prompts.Length, outputs.Length));
            if (source == 0)
            {
                var a = new Arrivals();
                a.ArrivalS.AddRange(source == 0 && n > 0 && arrivals.Length % 2 == 0 ? arrivals[..n] : arrivals);
                a.PromptTokens.AddRange(n > 0 && arrivals.Length % 2 == 0 ? prompts[..n] : prompts);
                a.OutputTokens.AddRange(n > 0 && arrivals.Length % 2 == 0 ? outputs[..n] : outputs);
                request.Traffic.Arrivals = a;
            }
            else if (source == 1) request.Traffic.Rate = new RateTraffic { Rate = rate, DurationS = growth * 60, Lengths = "input=200,output=50" };
            var (ttft, tpot, percentile, attainment, present) = slo;
            request.Slo = new Contracts.V1.Slo();
            if ((present & 1) != 0) request.Slo.TtftS = ttft;
            if ((present & 2) != 0) request.Slo.TpotS = tpot;
            if ((present & 4) != 0) request.Slo.Percentile = percentile;
            if ((present & 8) != 0) request.Slo.Attainment = attainment;
            var (hardware, tp, min, max, price) = candidates;
            request.Candidates = new Contracts.V1.CandidateSpace { MinReplicas = min, MaxReplicas = max };
            request.Candidates.Hardware.AddRange(hardware);
            request.Candidates.TensorParallel.AddRange(tp);
            foreach (var h in hardware.Distinct()) request.Candidates.CostPerGpuHour[h] = price;
            return request;
        });

    [Fact]
    public void PlanRequests_AnyFieldValues_MapAndValidateOrAreAnArgumentError()
    {
        var settings = PlanProblem.BaseSettings([new("model", "llama-3.1-8b")]);
        SeededCheck.ForAll(PlanGen, r =>
        {
            try
            {
                // PlanningService.ProblemAsync's steps for the sources that need no twin (live needs a deployment).
                var traffic = r.Traffic.SourceCase switch
                {
                    Contracts.V1.Traffic.SourceOneofCase.Arrivals => PlanMapper.FromProto(r.Traffic.Arrivals, "traffic.arrivals"),
                    Contracts.V1.Traffic.SourceOneofCase.Rate => TokenSim.Planning.Traffic.FromRate(r.Traffic.Rate.Rate, r.Traffic.Rate.DurationS, r.Traffic.Rate.Lengths, PlanProblem.MaxModelLen(settings), settings.Seed),
                    _ => throw new ArgumentException("traffic has no source: give live, arrivals or rate."),
                };
                traffic = traffic.Grown(r.Traffic.Growth == 0 ? 1 : r.Traffic.Growth);
                var problem = new PlanProblem
                {
                    BaseOptions = [new("model", "llama-3.1-8b")], Traffic = traffic, Slo = PlanMapper.FromProto(r.Slo), Candidates = PlanMapper.FromProto(r.Candidates),
                };
                problem.Validate();
            }
            catch (ArgumentException e)
            {
                AssertOneLine(e.Message);
            }
        }, iterations: 800, print: r => r.ToString());
    }
}
