using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TokenSim.Emulator.Json;

namespace TokenSim.Emulator;

/// <summary>
/// The OpenAI-compatible surface of one emulated vLLM engine: completions and chat completions (non-streaming and
/// SSE streaming, with <c>stream_options.include_usage</c>), models, health, and vLLM's /metrics. Output text is
/// synthetic (" tok" per token) and says so in the model card; what matters is when each token leaves.
/// </summary>
public static class OpenAiEndpoints
{
    public static WebApplication MapEmulator(this WebApplication app, RealTimeEngine engine, EmulatorOptions o)
    {
        var cacheConfig = CacheConfig(engine);
        app.MapGet("/health", () => Results.Ok());
        var models = new ModelListJson("list",
            [new(o.ModelName, "model", engine.StartedAt.ToUnixTimeSeconds(), "tokensim (simulated vLLM; output text is synthetic)", o.ModelName, engine.Spec.MaxModelLen)]);
        app.MapGet("/v1/models", () => Results.Json(models, EmulatorJsonContext.Http.ModelListJson));
        app.MapPost("/v1/completions", ctx => Handle(ctx, engine, o, chat: false));
        app.MapPost("/v1/chat/completions", ctx => Handle(ctx, engine, o, chat: true));
        app.MapGet("/metrics", ctx =>
        {
            var sb = new StringBuilder(32 * 1024);
            engine.WriteMetrics(sb, cacheConfig);
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return ctx.Response.WriteAsync(sb.ToString());
        });
        // Not vLLM's: how late tokens left against the simulation's schedule, for the emulator's own benchmark.
        app.MapGet("/tokensim/release-jitter", () =>
        {
            var (count, p50, p99, max) = engine.Jitter();
            return Results.Json(new ReleaseJitterJson(count, p50, p99, count == 0 ? 0 : max), EmulatorJsonContext.Http.ReleaseJitterJson);
        });
        return app;
    }

    /// <summary><c>vllm:cache_config_info</c>'s labels: CacheConfig's fields, stringified as Python does.</summary>
    private static Dictionary<string, string> CacheConfig(RealTimeEngine engine)
    {
        var spec = engine.Spec;
        return new Dictionary<string, string>
        {
            ["block_size"] = spec.BlockSize.ToString(CultureInfo.InvariantCulture),
            ["num_gpu_blocks"] = spec.NumGpuBlocks.ToString(CultureInfo.InvariantCulture),
            ["num_cpu_blocks"] = spec.CpuCacheBlocks > 0 ? spec.CpuCacheBlocks.ToString(CultureInfo.InvariantCulture) : "None",
            ["enable_prefix_caching"] = spec.PrefixCaching ? "True" : "False",
            ["prefix_caching_hash_algo"] = "sha256",
            ["cache_dtype"] = "auto",
            ["gpu_memory_utilization"] = spec.GpuMemoryUtilization.ToString("R", CultureInfo.InvariantCulture),
            ["swap_space"] = "4",
            ["sliding_window"] = "None",
        };
    }

    private static async Task Handle(HttpContext ctx, RealTimeEngine engine, EmulatorOptions o, bool chat)
    {
        JsonDocument doc;
        try { doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
        catch (JsonException e) { await Error(ctx, 400, $"Invalid JSON body: {e.Message}"); return; }
        using (doc)
        {
            var body = doc.RootElement;
            if (body.ValueKind != JsonValueKind.Object) { await Error(ctx, 400, "The request body must be a JSON object."); return; }
            if (body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() != o.ModelName)
            {
                await Error(ctx, 404, $"The model `{m.GetString()}` does not exist.", "NotFoundError", "model");
                return;
            }
            int[]? ids;
            try { ids = chat ? PromptTokenizer.Chat(body) : PromptTokenizer.Completion(body); }
            catch (PromptException e) { await Error(ctx, 400, e.Message); return; }
            if (ids is null) { await Error(ctx, 400, chat ? "messages is required." : "prompt is required."); return; }
            int prompt = ids.Length, maxLen = engine.Spec.MaxModelLen;
            if (prompt < 1) { await Error(ctx, 400, "The prompt is empty."); return; }
            // The completions API defaults max_tokens to 16 (OpenAI's and vLLM's CompletionRequest); chat to none.
            int? asked = Int(body, "max_tokens") ?? Int(body, "max_completion_tokens") ?? (chat ? null : 16);
            if (asked is < 1) { await Error(ctx, 400, $"max_tokens must be at least 1, got {asked}.", param: "max_tokens"); return; }
            if (prompt + (asked ?? 1) > maxLen)
            {
                await Error(ctx, 400, $"This model's maximum context length is {maxLen} tokens. However, you requested {prompt + (asked ?? 0)} tokens ({prompt} in the messages, {asked ?? 0} in the completion). Please reduce the length of the messages or completion.");
                return;
            }
            // vLLM's effective max_tokens: the client's (or API's default) value, or the rest of the context.
            int maxTokens = asked ?? maxLen - prompt;
            bool ignoreEos = body.TryGetProperty("ignore_eos", out var ie) && ie.ValueKind == JsonValueKind.True;
            int output = ignoreEos || o.OutputLengths is null ? maxTokens : o.OutputLengths.Draw(maxTokens);
            bool stream = body.TryGetProperty("stream", out var st) && st.ValueKind == JsonValueKind.True;
            bool usage = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
                && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            var sampling = RequestParams.Read(ctx.Request, body, chat, maxTokens);
            string id = sampling.ExternalId;
            var request = engine.Submit(ids, maxTokens, output, sampling);
            // Not vLLM's: when the request entered the simulated engine, so a benchmark can replay the same arrivals offline.
            ctx.Response.Headers["X-TokenSim-Arrival"] = request.ArrivalTime.ToString("R", CultureInfo.InvariantCulture);
            try
            {
                var chunks = new SseChunks(id, engine.Time.GetUtcNow().ToUnixTimeSeconds(), o.ModelName, chat);
                if (stream) await Stream(ctx, engine, request, chunks, usage);
                else await Whole(ctx, request, chunks);
            }
            catch (OperationCanceledException)
            {
                // The client went away mid-request: vLLM aborts it and frees its blocks; so does the simulation.
                engine.Abort(request);
            }
            catch (IOException)
            {
                engine.Abort(request);
            }
        }
    }

    private static async Task Stream(HttpContext ctx, RealTimeEngine engine, RequestStream request, SseChunks chunks, bool usage)
    {
        ctx.Response.ContentType = "text/event-stream; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        var sink = new SseSink(ctx.Response.BodyWriter, chunks, usage, request, engine);
        request.Attach(sink);
        try { await sink.Done.WaitAsync(ctx.RequestAborted); }
        finally { sink.Close(); }
        if (sink.ClientGone) throw new OperationCanceledException(ctx.RequestAborted); // the caller aborts the request
    }

    private static async Task Whole(HttpContext ctx, RequestStream request, SseChunks chunks)
    {
        int n = 0;
        await foreach (var _ in request.Tokens.ReadAllAsync(ctx.RequestAborted)) n++;
        string text = string.Concat(Enumerable.Repeat(SseChunks.TokenText, n));
        var usage = UsageJson.Of(request.PromptTokens, n);
        if (chunks.Chat)
            await ctx.Response.WriteAsJsonAsync(
                new CompletionJson<ChatMessageChoice>(chunks.Id, "chat.completion", chunks.Created, chunks.Model, [new(0, new("assistant", text), null, request.FinishReason, null)], usage),
                EmulatorJsonContext.Http.ChatCompletion);
        else
            await ctx.Response.WriteAsJsonAsync(
                new CompletionJson<TextChoice>(chunks.Id, "text_completion", chunks.Created, chunks.Model, [new(0, text, null, request.FinishReason, null)], usage),
                EmulatorJsonContext.Http.TextCompletion);
    }

    private static int? Int(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? (v.TryGetInt32(out int i) ? i : int.MaxValue) : null;

    private static Task Error(HttpContext ctx, int status, string message, string type = "BadRequestError", string? param = null)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(ErrorJson.Of(status, message, type, param), EmulatorJsonContext.Http.ErrorJson);
    }
}
