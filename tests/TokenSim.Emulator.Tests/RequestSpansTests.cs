using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace TokenSim.Emulator.Tests;

/// <summary>Spans of scripted requests through an in-process emulator, received by the OpenTelemetry SDK's in-memory exporter.</summary>
public sealed class RequestSpansTests
{
    private static (RequestSpans Spans, LockedList<Activity> Received) InMemory(string replica)
    {
        var received = new LockedList<Activity>();
        return (new RequestSpans(replica, new SimpleActivityExportProcessor(new InMemoryExporter<Activity>(received))), received);
    }

    private static Dictionary<string, object> Tags(Activity a) => a.TagObjects.ToDictionary(t => t.Key, t => t.Value!);

    [Fact]
    public async Task Each_finished_request_gets_vllms_llm_request_span_with_exact_attributes_and_clocks()
    {
        var (spans, received) = InMemory("replica-7");
        using var _ = spans;
        // Slow enough that requests arrive in the middle of steps: the engine takes them in (queued) only when the
        // step ends, so the frontend's and the engine's clocks differ as in vLLM.
        await using var emu = await EmulatorHarness.StartAsync("replica-7", spans, speed: 2);
        var background = emu.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "Keep the engine busy." }, ("X-Request-Id", "background"));
        await Task.Delay(30);

        // Greedy completion with the client's X-Request-Id: no temperature key.
        var greedyTask = emu.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "Tell me about the sea and the sky.", max_tokens = 8, temperature = 0 }, ("X-Request-Id", "req-greedy"));
        // Streaming chat with sampling parameters and the body's request_id.
        var chatTask = emu.PostAsync("/v1/chat/completions", new
        {
            model = EmulatorHarness.Model, messages = new[] { new { role = "user", content = "Hello there, how are you?" } },
            max_tokens = 5, temperature = 0.7, top_p = 0.9, request_id = "body-id", stream = true, stream_options = new { include_usage = true },
        });
        // No max_tokens (the completions API's default, 16), under the client's trace.
        var parent = ActivityContext.Parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        var tracedTask = emu.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "Count on." }, ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        var (greedy, chat, traced) = (await greedyTask, await chatTask, await tracedTask);
        await background;

        Assert.Equal("cmpl-req-greedy", greedy.Id);
        Assert.Equal("chatcmpl-body-id", chat.Id);
        Assert.StartsWith("cmpl-", traced.Id);
        var all = await received.WaitForAsync(4);
        Assert.Equal(4, all.Count);
        var byId = all.ToDictionary(a => (string)a.GetTagItem("gen_ai.request.id")!);

        void Check((string Id, int Prompt, int Completion) answer, long maxTokens, double temperature, double topP, ActivityContext parentContext)
        {
            var span = byId[answer.Id];
            var r = emu.Recorder[answer.Id];
            ExpectedSpan.AssertPlausible(r);
            Assert.Equal("llm_request", span.DisplayName);
            Assert.Equal(ActivityKind.Server, span.Kind);
            Assert.Equal("vllm.tracing.otel", span.Source.Name);
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
            Assert.Empty(span.Events);
            Assert.Empty(span.Links);
            Assert.Equal(ExpectedSpan.Attributes(r, answer.Id, maxTokens, temperature, topP), Tags(span));
            // What the client was told matches what the span reports.
            Assert.Equal(answer.Prompt, r.PromptTokens);
            Assert.Equal(answer.Completion, r.Generated);
            // Start at arrival, end at finish, on the wall clock of the engine.
            Assert.Equal(emu.WallClock(r.ArrivalTime), span.StartTimeUtc);
            Assert.Equal(emu.WallClock(r.FinishTime), span.StartTimeUtc + span.Duration);
            if (parentContext == default)
            {
                Assert.Equal(default, span.ParentSpanId);
            }
            else
            {
                Assert.Equal(parentContext.TraceId, span.TraceId);
                Assert.Equal(parentContext.SpanId, span.ParentSpanId);
            }
        }

        Check(greedy, 8, 0, 1.0, default);
        Check(chat, 5, 0.7, 0.9, default);
        Check(traced, 16, 1.0, 1.0, parent);
        Assert.Equal(16, traced.CompletionTokens);
        // The case that tells the clocks apart happened: a request queued later than it arrived.
        Assert.Contains(new[] { greedy.Id, chat.Id, traced.Id }, id => emu.Recorder[id].QueuedTime > emu.Recorder[id].ArrivalTime);
    }

    [Fact]
    public void Resource_is_vllms_frontend_resource_with_the_replica_as_service_instance()
    {
        using var spans = new RequestSpans("replica-3", new SimpleActivityExportProcessor(new InMemoryExporter<Activity>(new List<Activity>())));
        var resource = spans.Provider.GetResource().Attributes.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "unknown_service", resource["service.name"]);
        Assert.Equal("replica-3", resource["service.instance.id"]);
        Assert.Equal("vllm.llm_engine", resource["vllm.instrumenting_module_name"]);
        Assert.Equal((long)Environment.ProcessId, resource["vllm.process_id"]);
        Assert.Equal("opentelemetry", resource["telemetry.sdk.name"]);
    }

    [Fact]
    public async Task Each_replica_exports_only_its_own_spans_though_all_share_vllms_scope_name()
    {
        var (spans0, received0) = InMemory("replica-0");
        var (spans1, received1) = InMemory("replica-1");
        using var d0 = spans0;
        using var d1 = spans1;
        await using var emu0 = await EmulatorHarness.StartAsync("replica-0", spans0);
        await using var emu1 = await EmulatorHarness.StartAsync("replica-1", spans1);

        await emu0.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "zero", max_tokens = 3 }, ("X-Request-Id", "on-0"));
        await emu1.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "one", max_tokens = 3 }, ("X-Request-Id", "on-1"));
        await emu1.PostAsync("/v1/completions", new { model = EmulatorHarness.Model, prompt = "one more", max_tokens = 3 }, ("X-Request-Id", "on-1b"));

        var got0 = await received0.WaitForAsync(1);
        var got1 = await received1.WaitForAsync(2);
        await Task.Delay(100); // a span exported to the wrong provider would arrive by now
        Assert.Equal(["cmpl-on-0"], received0.Select(a => (string)a.GetTagItem("gen_ai.request.id")!));
        Assert.Equal(["cmpl-on-1", "cmpl-on-1b"], received1.Select(a => (string)a.GetTagItem("gen_ai.request.id")!).Order());
    }
}
