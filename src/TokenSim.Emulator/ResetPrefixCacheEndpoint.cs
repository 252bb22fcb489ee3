using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TokenSim.Core.Memory;

namespace TokenSim.Emulator;

/// <summary>
/// vLLM's <c>POST /reset_prefix_cache</c> (served by vLLM only with <c>VLLM_SERVER_DEV_MODE=1</c>; always here): drops
/// every cached prefix when no request holds a block, which publishes <c>AllBlocksCleared</c>. Like vLLM it answers
/// 200 either way; here a refusal (blocks in use) says so in the body.
/// </summary>
public static class ResetPrefixCacheEndpoint
{
    public static WebApplication MapResetPrefixCache(this WebApplication app, RealTimeEngine engine, KvEventCollector? events)
    {
        app.MapPost("/reset_prefix_cache", () =>
        {
            bool reset = engine.Read(sim =>
            {
                bool ok = sim.Replicas[0].Kv is PrefixCachingKvCacheManager kv && kv.ResetPrefixCache();
                events?.FlushNow();
                return ok;
            });
            return reset ? Results.Ok() : Results.Text("Prefix cache not reset: blocks are in use, or prefix caching is off.\n");
        });
        return app;
    }
}
