using System.Net.Http.Json;
using System.Text.Json;

namespace TokenSim.Emulator.Tests;

/// <summary>/metrics read the way Prometheus reads it, against what the requests did.</summary>
public class VllmMetricsTests
{
    /// <summary>The series the twin reads from a vLLM replica (VLLM-TELEMETRY.md §2 and §4).</summary>
    public static readonly string[] TwinReads =
    [
        "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:cache_config_info",
        "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total",
        "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
        "vllm:iteration_tokens_total_bucket", "vllm:time_to_first_token_seconds_bucket", "vllm:inter_token_latency_seconds_bucket",
        "vllm:request_time_per_output_token_seconds_bucket", "vllm:e2e_request_latency_seconds_bucket", "vllm:request_queue_time_seconds_bucket",
        "vllm:request_prefill_time_seconds_bucket", "vllm:request_decode_time_seconds_bucket", "vllm:request_inference_time_seconds_bucket",
        "vllm:request_prompt_tokens_bucket", "vllm:request_generation_tokens_bucket",
    ];

    [Fact]
    public async Task Exposition_IsWellFormed_AndCountsWhatTheRequestsDid()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        // A shared 400-character text prefix: 100 tokens, 6 full blocks of 16 the later requests find cached.
        string prefix = new('x', 400);
        var first = await PostAsync(h, prefix + "first question", 5);
        var rest = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => PostAsync(h, prefix + $"question number {i}", 3 + i)));
        Assert.Equal(104, first.Prompt); // 414 characters, 4 to a token
        int prompt = first.Prompt + rest.Sum(r => r.Prompt), generated = first.Completion + rest.Sum(r => r.Completion);

        var m = PrometheusExposition.Parse(await h.Client.GetStringAsync("/metrics"));
        foreach (var name in TwinReads) Assert.NotEmpty(m.Get(name));
        Assert.Equal("gauge", m.Types["vllm:num_requests_running"]);
        Assert.Equal("counter", m.Types["vllm:generation_tokens_total"]);
        Assert.Equal("gauge", m.Types["vllm:generation_tokens_created"]);
        Assert.Equal("histogram", m.Types["vllm:time_to_first_token_seconds"]);
        foreach (var (name, labels, _) in m.Samples.Where(s => s.Name.StartsWith("vllm:", StringComparison.Ordinal)))
        {
            Assert.Equal("0", labels["engine"]);
            if (name != "vllm:cache_config_info") Assert.Equal(EmulatorHarness.Model, labels["model_name"]);
        }

        Assert.Equal(0, m.Value("vllm:num_requests_running"));
        Assert.Equal(0, m.Value("vllm:num_requests_waiting"));
        Assert.Equal(0, m.Value("vllm:kv_cache_usage_perc")); // cached blocks nobody holds count as free, as in vLLM
        Assert.Equal(generated, m.Value("vllm:generation_tokens_total"));
        Assert.Equal(prompt, m.Value("vllm:prompt_tokens_total"));
        Assert.Equal(6, m.Value("vllm:request_success_total", ("finished_reason", "length")));
        Assert.Equal(0, m.Value("vllm:request_success_total", ("finished_reason", "abort")));
        Assert.Equal(prompt + generated, m.Value("vllm:iteration_tokens_total_sum"));
        Assert.Equal(generated, m.Value("vllm:request_generation_tokens_sum"));
        // Each later request found the 6 full blocks of the shared prefix: 96 tokens, 5 times.
        Assert.Equal(5 * 96, m.Value("vllm:prefix_cache_hits_total"));
        Assert.Equal(5 * 96, m.Value("vllm:prompt_tokens_cached_total"));
        Assert.Equal(prompt - 5 * 96, m.Value("vllm:prompt_tokens_by_source_total", ("source", "local_compute")));
        Assert.Equal(h.Engine.Spec.NumGpuBlocks.ToString(), m.Get("vllm:cache_config_info").Single().Labels["num_gpu_blocks"]);
        Assert.Equal("16", m.Get("vllm:cache_config_info").Single().Labels["block_size"]);

        foreach (var hist in new[] { "vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds", "vllm:request_queue_time_seconds", "vllm:request_time_per_output_token_seconds" })
        {
            var buckets = m.Get(hist + "_bucket").Select(b => b.Value).ToList();
            Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First <= p.Second), $"{hist} buckets are not cumulative");
            Assert.Equal(6, m.Value(hist + "_count"));
            Assert.Equal(6, m.Value(hist + "_bucket", ("le", "+Inf")));
        }
        Assert.Equal(generated - 6, m.Value("vllm:inter_token_latency_seconds_count"));
    }

    private static async Task<(int Prompt, int Completion)> PostAsync(EmulatorHarness h, string prompt, int maxTokens)
    {
        using var res = await h.Client.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = maxTokens });
        var usage = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        return (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }
}
