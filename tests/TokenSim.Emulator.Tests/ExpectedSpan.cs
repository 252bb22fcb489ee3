using TokenSim.Core.Simulation;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// What vLLM's output processor would put on the span of a request with these simulated times, worked out here
/// from vLLM's definitions (not from the exporter's code): every key, its type and value.
/// </summary>
internal static class ExpectedSpan
{
    public static Dictionary<string, object> Attributes(Request r, string requestId, long maxTokens, double temperature = 1.0, double topP = 1.0)
    {
        var a = new Dictionary<string, object>
        {
            ["gen_ai.request.id"] = requestId,
            ["gen_ai.usage.prompt_tokens"] = (long)r.PromptTokens,
            ["gen_ai.usage.completion_tokens"] = (long)r.Generated,
            // Frontend clock: from arrival.
            ["gen_ai.latency.time_to_first_token"] = r.FirstTokenTime - r.ArrivalTime,
            ["gen_ai.latency.e2e"] = r.FinishTime - r.ArrivalTime,
            // Engine-core clock: from the engine's queued and first-scheduled events.
            ["gen_ai.latency.time_in_queue"] = r.ScheduledTime - r.QueuedTime,
            ["gen_ai.latency.time_in_model_prefill"] = r.FirstTokenTime - r.ScheduledTime,
            ["gen_ai.latency.time_in_model_decode"] = r.LastTokenTime - r.FirstTokenTime,
            ["gen_ai.latency.time_in_model_inference"] = r.LastTokenTime - r.ScheduledTime,
            ["gen_ai.request.max_tokens"] = maxTokens,
            ["gen_ai.request.top_p"] = topP,
            ["gen_ai.request.n"] = 1L,
        };
        if (temperature != 0) a["gen_ai.request.temperature"] = temperature;
        return a;
    }

    /// <summary>The simulated times are those of a real request through the engine: ordered, and positive where vLLM's are.</summary>
    public static void AssertPlausible(Request r)
    {
        Assert.True(r.QueuedTime >= r.ArrivalTime, $"queued {r.QueuedTime} before arrival {r.ArrivalTime}");
        Assert.True(r.ScheduledTime >= r.QueuedTime);
        Assert.True(r.FirstTokenTime > r.ScheduledTime);
        Assert.True(r.LastTokenTime >= r.FirstTokenTime);
        Assert.True(r.FinishTime >= r.LastTokenTime);
        Assert.Equal(r.OutputTokens, r.Generated);
    }
}
