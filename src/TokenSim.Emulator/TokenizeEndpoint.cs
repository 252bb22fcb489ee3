using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TokenSim.Emulator.Json;

namespace TokenSim.Emulator;

/// <summary>
/// vLLM's <c>POST /tokenize</c>: a completions body (<c>prompt</c>) or a chat body (<c>messages</c>) turned into the
/// token ids the engine would see, as <c>{"count", "max_model_len", "tokens", "token_strs": null}</c>. The twin's
/// gateway asks it for each request it forwards, to learn the prompt length and look its blocks up in the mirrored
/// prefix cache; here the ids are the emulator's own tokenizer's, the same the engine uses.
/// </summary>
public static class TokenizeEndpoint
{
    public static WebApplication MapTokenize(this WebApplication app, RealTimeEngine engine)
    {
        app.MapPost("/tokenize", async ctx =>
        {
            JsonDocument doc;
            try { doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
            catch (JsonException e) { await Bad(ctx, $"Invalid JSON body: {e.Message}"); return; }
            using (doc)
            {
                var body = doc.RootElement;
                if (body.ValueKind != JsonValueKind.Object) { await Bad(ctx, "The request body must be a JSON object."); return; }
                int[]? ids;
                try { ids = body.TryGetProperty("messages", out _) ? PromptTokenizer.Chat(body) : PromptTokenizer.Completion(body); }
                catch (PromptException e) { await Bad(ctx, e.Message); return; }
                if (ids is null) { await Bad(ctx, "Either prompt or messages is required."); return; }
                await ctx.Response.WriteAsJsonAsync(new TokenizeJson(ids.Length, engine.Spec.MaxModelLen, ids), EmulatorJsonContext.Http.TokenizeJson);
            }
        });
        return app;
    }

    private static Task Bad(HttpContext ctx, string message)
    {
        ctx.Response.StatusCode = 400;
        return ctx.Response.WriteAsJsonAsync(ErrorJson.Of(400, message, "BadRequestError", null), EmulatorJsonContext.Http.ErrorJson);
    }
}
