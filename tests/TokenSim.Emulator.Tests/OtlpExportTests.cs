using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace TokenSim.Emulator.Tests;

/// <summary>Spans exported over the wire, as vLLM exports them, to a test OTLP receiver that decodes them with the repository's OTLP messages.</summary>
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData("http/protobuf")]
    [InlineData("grpc")]
    public async Task The_emulator_exports_llm_request_spans_over_otlp(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        string endpoint = protocol == "grpc" ? receiver.GrpcBase.Replace("http://", "grpc://", StringComparison.Ordinal) : receiver.HttpBase + "/v1/traces";
        var spans = RequestSpans.Otlp("replica-2", OtlpTracesTarget.Parse(endpoint, protocol));
        (string Id, int Prompt, int Completion) answer;
        TokenSim.Core.Simulation.Request r;
        DateTime start, end;
        await using (var emu = await EmulatorHarness.StartAsync("replica-2", spans))
        {
            answer = await emu.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "Over the wire, please.", max_tokens = 6, temperature = 0.5 }, ("X-Request-Id", $"wire-{protocol}"));
            await Task.Delay(200); // the span is made just after the response completes
            r = emu.Recorder[answer.Id];
            start = emu.WallClock(r.ArrivalTime);
            end = emu.WallClock(r.FinishTime);
            Assert.True(spans.Flush(10_000), "the exporter did not flush");
        }
        spans.Dispose();

        var got = await receiver.WaitForSpansAsync(1);
        var (transport, request) = Assert.Single(got);
        Assert.Equal(protocol, transport);
        var rs = Assert.Single(request.ResourceSpans);
        var resource = rs.Resource.Attributes.ToDictionary(kv => kv.Key, kv => Value(kv.Value));
        Assert.Equal("replica-2", resource["service.instance.id"]);
        Assert.Equal(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "unknown_service", resource["service.name"]);
        Assert.Equal("vllm.llm_engine", resource["vllm.instrumenting_module_name"]);
        Assert.Equal((long)Environment.ProcessId, resource["vllm.process_id"]);
        var ss = Assert.Single(rs.ScopeSpans);
        Assert.Equal("vllm.tracing.otel", ss.Scope.Name);
        var span = Assert.Single(ss.Spans);
        Assert.Equal("llm_request", span.Name);
        Assert.Equal(Span.Types.SpanKind.Server, span.Kind);
        Assert.Equal(16, span.TraceId.Length);
        Assert.Equal(8, span.SpanId.Length);
        Assert.True(span.ParentSpanId.IsEmpty);
        Assert.Equal(UnixNanos(start), span.StartTimeUnixNano);
        Assert.Equal(UnixNanos(end), span.EndTimeUnixNano);
        Assert.Equal(Status.Types.StatusCode.Unset, span.Status?.Code ?? Status.Types.StatusCode.Unset);
        var attributes = span.Attributes.ToDictionary(kv => kv.Key, kv => Value(kv.Value));
        Assert.Equal(ExpectedSpan.Attributes(r, $"cmpl-wire-{protocol}", 6, temperature: 0.5), attributes);
        Assert.Equal(answer.Completion, (long)attributes["gen_ai.usage.completion_tokens"]);
    }

    private static ulong UnixNanos(DateTime utc) => (ulong)(utc - DateTime.UnixEpoch).Ticks * 100;

    private static object Value(AnyValue v) => v.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => v.StringValue,
        AnyValue.ValueOneofCase.IntValue => v.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => v.DoubleValue,
        AnyValue.ValueOneofCase.BoolValue => v.BoolValue,
        AnyValue.ValueOneofCase.BytesValue => v.BytesValue.ToBase64(),
        _ => v.ToString(),
    };
}
