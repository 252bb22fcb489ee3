using System.Buffers;
using CsCheck;
using Google.Protobuf;
using MessagePack;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;
using TokenSim.Server.Sources.Otlp;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Kv;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The decoders of what production sends, under random and mutated input (CsCheck, fixed seeds): vLLM's msgpack KV
/// event batches decode or are refused with a reason code, never an exception; OTLP export bodies parse or fail with
/// protobuf's <see cref="InvalidProtocolBufferException"/>, and every span they hold converts or is rejected with a
/// reason. The seeds are built here in vLLM's layouts (positional events of vLLM 0.19, maps of later vLLM) and from
/// an <c>llm_request</c> span with the attributes vLLM sets.
/// </summary>
public sealed class DecoderPropertyTests
{
    private delegate void Writer(ref MessagePackWriter w);

    // MessagePackWriter is a struct: the writing lambda takes it by reference, or it would write to a copy.
    private static byte[] Msgpack(Writer write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        write(ref w);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>[ts, [BlockStored, BlockRemoved, AllBlocksCleared], rank] with positional events (vLLM 0.19).</summary>
    private static readonly byte[] PositionalBatch = Msgpack((ref MessagePackWriter w) =>
    {
        w.WriteArrayHeader(3);
        w.Write(1733.25);
        w.WriteArrayHeader(3);
        w.WriteArrayHeader(7);
        w.Write("BlockStored");
        w.WriteArrayHeader(2); w.Write(-4242424242424242L); w.Write(17UL);
        w.WriteNil();
        w.WriteArrayHeader(32); for (int t = 0; t < 32; t++) w.Write(1000 + t);
        w.Write(16);
        w.WriteNil();
        w.Write("GPU");
        w.WriteArrayHeader(3);
        w.Write("BlockRemoved");
        w.WriteArrayHeader(1); w.Write(17UL);
        w.Write("GPU");
        w.WriteArrayHeader(1);
        w.Write("AllBlocksCleared");
        w.Write(0);
    });

    /// <summary>The same batch with map events (later vLLM) and a bytes hash.</summary>
    private static readonly byte[] MapBatch = Msgpack((ref MessagePackWriter w) =>
    {
        w.WriteArrayHeader(2);
        w.Write(5L);
        w.WriteArrayHeader(2);
        w.WriteMapHeader(5);
        w.Write("type"); w.Write("BlockStored");
        w.Write("block_hashes"); w.WriteArrayHeader(1); w.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
        w.Write("parent_block_hash"); w.WriteNil();
        w.Write("token_ids"); w.WriteArrayHeader(16); for (int t = 0; t < 16; t++) w.Write(t);
        w.Write("block_size"); w.Write(16);
        w.WriteMapHeader(2);
        w.Write("type"); w.Write("BlockRemoved");
        w.Write("block_hashes"); w.WriteArrayHeader(1); w.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
    });

    private static readonly Gen<(int Kind, int At, int Value)> ByteMutation = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 9999], Gen.Int[0, 255]);

    /// <summary>Truncate, flip a bit, set a byte, insert a byte or delete one; <c>At</c> in 1/10,000ths of the length.</summary>
    private static byte[] Mutate(byte[] data, (int Kind, int At, int Value)[] mutations)
    {
        var bytes = data.ToList();
        foreach (var (kind, at, value) in mutations)
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
        return bytes.ToArray();
    }

    [Fact]
    public void KvEventSeeds_Decode()
    {
        var batch = KvEventDecoder.Decode(1, PositionalBatch, out var reason, out var detail);
        Assert.True(batch is not null, $"{reason}: {detail}");
        Assert.Equal(3, batch.Events.Length);
        Assert.Equal(2, KvEventDecoder.Decode(2, MapBatch, out reason, out detail)?.Events.Length ?? -1);
        Assert.Equal("", reason + detail);
    }

    [Fact]
    public void KvEventBatches_MutatedBytes_DecodeOrRefuseWithAReason()
    {
        var gen = Gen.Select(Gen.Bool, ByteMutation.Array[1, 4]);
        SeededCheck.ForAll(gen, t =>
        {
            var payload = Mutate(t.Item1 ? PositionalBatch : MapBatch, t.Item2);
            var batch = KvEventDecoder.Decode(7, payload, out var reason, out var detail);
            if (batch is null)
            {
                Assert.Contains(reason, KvRejectReason.All);
                Assert.False(string.IsNullOrWhiteSpace(detail), "a refusal names its problem");
            }
        }, iterations: 1500, print: t => $"{(t.Item1 ? "positional" : "map")} {string.Join(" ", t.Item2)}");
    }

    [Fact]
    public void KvEventBatches_RandomBytes_DecodeOrRefuseWithAReason()
    {
        SeededCheck.ForAll(Gen.Byte.Array[0, 64], payload =>
        {
            if (KvEventDecoder.Decode(1, payload, out var reason, out _) is null) Assert.Contains(reason, KvRejectReason.All);
        }, iterations: 1500, print: b => Convert.ToHexString(b));
    }

    [Fact]
    public void KvEventBatch_Map32HeaderCountingBeyondThePayload_IsRefusedAsMsgpack()
    {
        // Found by the property above: MessagePack's Skip threw ArgumentOutOfRangeException (map32 of 0x7D2C57B2 entries).
        var payload = Convert.FromHexString("DF7D2C57B2A70443C22722BC49B7D054F5605C5A3CD9FD02A6D86D61165E240D52B5C69961DBA5F6F2C60639D1280719359976F9B3C2B8E2A72860AF433F");
        Assert.Null(KvEventDecoder.Decode(1, payload, out var reason, out var detail));
        Assert.Equal(KvRejectReason.Msgpack, reason);
        Assert.StartsWith("not well-formed msgpack", detail);
    }

    private static KeyValue Attr(string key, AnyValue value) => new() { Key = key, Value = value };

    private static Span RequestSpan() => new()
    {
        Name = SpanConverter.RequestSpan,
        TraceId = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
        SpanId = ByteString.CopyFrom(Enumerable.Range(1, 8).Select(i => (byte)i).ToArray()),
        StartTimeUnixNano = 1_733_000_000_000_000_000UL,
        EndTimeUnixNano = 1_733_000_001_500_000_000UL,
        Attributes =
        {
            Attr("gen_ai.request.id", new AnyValue { StringValue = "cmpl-1" }),
            Attr("gen_ai.usage.prompt_tokens", new AnyValue { IntValue = 512 }),
            Attr("gen_ai.usage.completion_tokens", new AnyValue { IntValue = 64 }),
            Attr("gen_ai.request.max_tokens", new AnyValue { IntValue = 128 }),
            Attr("gen_ai.latency.e2e", new AnyValue { DoubleValue = 1.5 }),
            Attr("gen_ai.latency.time_to_first_token", new AnyValue { DoubleValue = 0.12 }),
            Attr("gen_ai.latency.time_in_queue", new AnyValue { DoubleValue = 0.01 }),
            Attr("gen_ai.latency.time_in_model_prefill", new AnyValue { DoubleValue = 0.1 }),
            Attr("gen_ai.latency.time_in_model_decode", new AnyValue { DoubleValue = 1.3 }),
        },
    };

    private static readonly byte[] ExportBody = new ExportTraceServiceRequest
    {
        ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { RequestSpan() } } } } },
    }.ToByteArray();

    [Fact]
    public void OtlpSeed_Converts()
    {
        var (e, problem) = SpanConverter.Convert(RequestSpan(), 0);
        Assert.Null(problem);
        Assert.NotNull(e);
    }

    [Fact]
    public void OtlpExportBodies_MutatedBytes_ParseOrProtobufError_SpansConvertOrAreRejected()
    {
        SeededCheck.ForAll(ByteMutation.Array[1, 4], mutations =>
        {
            var body = Mutate(ExportBody, mutations);
            ExportTraceServiceRequest request;
            try { request = ExportTraceServiceRequest.Parser.ParseFrom(body); }
            catch (InvalidProtocolBufferException) { return; }
            foreach (var rs in request.ResourceSpans)
                foreach (var ss in rs.ScopeSpans)
                    foreach (var span in ss.Spans)
                        AssertConvertsOrRejects(span);
        }, iterations: 1500, print: m => string.Join(" ", m));
    }

    private static readonly string[] Keys =
    [
        "gen_ai.request.id", "gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens", "gen_ai.request.max_tokens",
        "gen_ai.latency.e2e", "gen_ai.latency.time_to_first_token", "gen_ai.latency.time_in_queue",
        "gen_ai.latency.time_in_model_prefill", "gen_ai.latency.time_in_model_decode",
    ];

    private static readonly Gen<AnyValue> ValueGen = Gen.OneOf(
        Gen.Const(() => new AnyValue()),
        Gen.String.Select(s => new AnyValue { StringValue = s }),
        Gen.OneOf(Gen.Const("512"), Gen.Const("1.5"), Gen.Const("NaN"), Gen.Const("-1"), Gen.Const("1e400"), Gen.Const("")).Select(s => new AnyValue { StringValue = s }),
        Gen.Long.Select(l => new AnyValue { IntValue = l }),
        Gen.OneOf(Gen.Const(0L), Gen.Const(-1L), Gen.Const(long.MaxValue), Gen.Const(long.MinValue), Gen.Const((long)int.MaxValue + 1)).Select(l => new AnyValue { IntValue = l }),
        Gen.Double.Select(d => new AnyValue { DoubleValue = d }),
        Gen.OneOf(Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity), Gen.Const(-0.0), Gen.Const(1e300), Gen.Const(-1.0)).Select(d => new AnyValue { DoubleValue = d }),
        Gen.Bool.Select(b => new AnyValue { BoolValue = b }),
        Gen.Const(() => new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { IntValue = 1 } } } }));

    [Fact]
    public void OtlpSpans_RandomAttributes_ConvertOrAreRejected()
    {
        var gen = Gen.Select(
            Gen.Select(Gen.Int[0, Keys.Length - 1], ValueGen).Array[0, 12],
            Gen.Int[0, 3], Gen.ULong, Gen.ULong);
        SeededCheck.ForAll(gen, t =>
        {
            var span = RequestSpan();
            // Replace or add attributes; 1 and 2 drop or shorten the ids, 3 moves the times.
            foreach (var (k, v) in t.Item1) span.Attributes.Add(Attr(Keys[k], v));
            if (t.Item1.Length > 0) span.Attributes.RemoveAt(t.Item1[0].Item1 % span.Attributes.Count);
            switch (t.Item2)
            {
                case 1: span.SpanId = ByteString.Empty; break;
                case 2: span.TraceId = ByteString.CopyFrom(1, 2, 3); break;
                case 3: span.StartTimeUnixNano = t.Item3; span.EndTimeUnixNano = t.Item4; break;
            }
            AssertConvertsOrRejects(span);
        }, iterations: 1500, print: t => $"{string.Join(", ", t.Item1.Select(a => $"{Keys[a.Item1]}={a.Item2}"))}; variant {t.Item2}, times {t.Item3} {t.Item4}");
    }

    private static void AssertConvertsOrRejects(Span span)
    {
        var (e, problem) = SpanConverter.Convert(span, 0);
        if (problem is { } p)
        {
            Assert.Null(e);
            Assert.False(string.IsNullOrWhiteSpace(p.Reason));
            Assert.False(string.IsNullOrWhiteSpace(p.Detail));
        }
        else Assert.NotNull(e);
    }
}
