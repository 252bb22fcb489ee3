using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TokenSim.Emulator;

/// <summary>
/// The OpenAI-compatible surface of one emulated vLLM engine: completions and chat completions (non-streaming and
/// SSE streaming, with <c>stream_options.include_usage</c>), models, health, and vLLM's /metrics. Output text is
/// synthetic (" tok" per token) and says so in the model card; what matters is when each token leaves.
/// </summary>
public static class OpenAiEndpoints
{
    public static WebApplication MapEmulator(this WebApplication app, RealTimeEngine engine, string modelName)
    {
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = modelName, @object = "model", created = 0, owned_by = "tokensim (simulated vLLM; output text is synthetic)", max_model_len = engine.Spec.MaxModelLen } },
        }));
        app.MapPost("/v1/completions", ctx => Handle(ctx, engine, modelName, chat: false));
        app.MapPost("/v1/chat/completions", ctx => Handle(ctx, engine, modelName, chat: true));
        app.MapGet("/metrics", ctx =>
        {
            var sb = new StringBuilder();
            var state = engine.Read(s => (s.Replicas.Sum(r => r.Running.Count), s.Replicas.Sum(r => r.Waiting.Count + r.Swapped.Count), s.Replicas.Average(r => r.Kv.Usage)));
            var spec = engine.Spec;
            var info = new Dictionary<string, string>
            {
                ["block_size"] = spec.BlockSize.ToString(CultureInfo.InvariantCulture),
                ["num_gpu_blocks"] = spec.NumGpuBlocks.ToString(CultureInfo.InvariantCulture),
                ["num_cpu_blocks"] = spec.CpuCacheBlocks.ToString(CultureInfo.InvariantCulture),
                ["enable_prefix_caching"] = spec.PrefixCaching ? "True" : "False",
                ["prefix_caching_hash_algo"] = "sha256",
                ["cache_dtype"] = "auto",
                ["gpu_memory_utilization"] = spec.GpuMemoryUtilization.ToString(CultureInfo.InvariantCulture),
                ["engine"] = "0",
            };
            engine.Metrics.Write(sb, state, info);
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return ctx.Response.WriteAsync(sb.ToString());
        });
        return app;
    }

    private static async Task Handle(HttpContext ctx, RealTimeEngine engine, string modelName, bool chat)
    {
        JsonDocument doc;
        try { doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
        catch (JsonException e) { await Error(ctx, 400, $"Invalid JSON body: {e.Message}"); return; }
        using (doc)
        {
            var body = doc.RootElement;
            int[]? ids;
            try { ids = chat ? PromptTokenizer.Chat(body) : PromptTokenizer.Completion(body); }
            catch (PromptException e) { await Error(ctx, 400, e.Message); return; }
            if (ids is null) { await Error(ctx, 400, chat ? "messages is required." : "prompt is required."); return; }
            int prompt = ids.Length;
            int maxTokens = body.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32()
                : body.TryGetProperty("max_completion_tokens", out var mct) && mct.ValueKind == JsonValueKind.Number ? mct.GetInt32()
                : engine.Spec.MaxModelLen - prompt; // vLLM's default: the rest of the context
            if (prompt < 1) { await Error(ctx, 400, "The prompt is empty."); return; }
            if (maxTokens < 1) { await Error(ctx, 400, $"max_tokens must be at least 1, got {maxTokens}."); return; }
            if (prompt + maxTokens > engine.Spec.MaxModelLen)
            {
                await Error(ctx, 400, $"This model's maximum context length is {engine.Spec.MaxModelLen} tokens. However, you requested {prompt + maxTokens} tokens ({prompt} in the messages, {maxTokens} in the completion). Please reduce the length of the messages or completion.");
                return;
            }
            bool stream = body.TryGetProperty("stream", out var st) && st.ValueKind == JsonValueKind.True;
            bool usage = body.TryGetProperty("stream_options", out var so) && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            var sampling = RequestParams.Read(ctx.Request, body, chat, maxTokens);
            string id = sampling.ExternalId;
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var request = engine.Submit(ids, maxTokens, sampling);
            if (stream) await Stream(ctx, request, id, created, modelName, chat, usage);
            else await Whole(ctx, request, id, created, modelName, chat);
        }
    }

    private static async Task Stream(HttpContext ctx, RequestStream request, string id, long created, string model, bool chat, bool usage)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        int n = 0;
        await foreach (var _ in request.Tokens.ReadAllAsync(ctx.RequestAborted))
        {
            n++;
            string? finish = n == request.MaxTokens ? "length" : null;
            object choice = chat
                ? new { index = 0, delta = n == 1 ? new { role = "assistant", content = " tok" } : (object)new { content = " tok" }, logprobs = (object?)null, finish_reason = finish }
                : new { index = 0, text = " tok", logprobs = (object?)null, finish_reason = finish };
            await Send(ctx, new { id, @object = chat ? "chat.completion.chunk" : "text_completion", created, model, choices = new[] { choice } });
        }
        if (usage)
            await Send(ctx, new { id, @object = chat ? "chat.completion.chunk" : "text_completion", created, model, choices = Array.Empty<object>(), usage = Usage(request, n) });
        await ctx.Response.WriteAsync("data: [DONE]\n\n");
        await ctx.Response.Body.FlushAsync();
    }

    private static async Task Whole(HttpContext ctx, RequestStream request, string id, long created, string model, bool chat)
    {
        int n = 0;
        await foreach (var _ in request.Tokens.ReadAllAsync(ctx.RequestAborted)) n++;
        string text = string.Concat(Enumerable.Repeat(" tok", n));
        object choice = chat
            ? new { index = 0, message = new { role = "assistant", content = text }, logprobs = (object?)null, finish_reason = "length" }
            : new { index = 0, text, logprobs = (object?)null, finish_reason = "length" };
        await ctx.Response.WriteAsJsonAsync(new { id, @object = chat ? "chat.completion" : "text_completion", created, model, choices = new[] { choice }, usage = Usage(request, n) });
    }

    private static object Usage(RequestStream r, int completion) =>
        new { prompt_tokens = r.PromptTokens, completion_tokens = completion, total_tokens = r.PromptTokens + completion };

    private static async Task Send(HttpContext ctx, object chunk)
    {
        await ctx.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
        await ctx.Response.Body.FlushAsync();
    }

    private static Task Error(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(new { @object = "error", message, type = "BadRequestError", param = (object?)null, code = status });
    }
}
