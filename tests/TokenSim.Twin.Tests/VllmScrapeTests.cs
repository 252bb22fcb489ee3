using TokenSim.Server.Sources.Scrape;

namespace TokenSim.Twin.Tests;

/// <summary>The Prometheus text reader and what the twin takes from vLLM's families, on a fixture of every §2 family.</summary>
public sealed class VllmScrapeTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>Every family VLLM-TELEMETRY.md §2 lists (exposed names; counters with _total).</summary>
    private static readonly string[] Families =
    [
        "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:num_requests_waiting_by_reason", "vllm:kv_cache_usage_perc",
        "vllm:engine_sleep_state", "vllm:cache_config_info", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total",
        "vllm:external_prefix_cache_queries_total", "vllm:external_prefix_cache_hits_total", "vllm:mm_cache_queries_total", "vllm:mm_cache_hits_total",
        "vllm:num_preemptions_total", "vllm:prompt_tokens_total", "vllm:prompt_tokens_by_source_total", "vllm:prompt_tokens_cached_total",
        "vllm:prompt_tokens_recomputed_total", "vllm:generation_tokens_total", "vllm:request_success_total", "vllm:corrupted_requests_total",
        "vllm:iteration_tokens_total_bucket", "vllm:request_prompt_tokens_bucket", "vllm:request_generation_tokens_bucket",
        "vllm:request_params_max_tokens_bucket", "vllm:request_max_num_generation_tokens_bucket", "vllm:request_prefill_kv_computed_tokens_bucket",
        "vllm:request_params_n_bucket", "vllm:time_to_first_token_seconds_bucket", "vllm:inter_token_latency_seconds_bucket",
        "vllm:request_time_per_output_token_seconds_bucket", "vllm:e2e_request_latency_seconds_bucket", "vllm:request_queue_time_seconds_bucket",
        "vllm:request_inference_time_seconds_bucket", "vllm:request_prefill_time_seconds_bucket", "vllm:request_decode_time_seconds_bucket",
        "vllm:lora_requests_info", "vllm:kv_block_lifetime_seconds_bucket", "vllm:kv_block_idle_before_evict_seconds_bucket",
        "vllm:kv_block_reuse_gap_seconds_bucket", "vllm:spec_decode_num_drafts_total", "vllm:spec_decode_num_draft_tokens_total",
        "vllm:spec_decode_num_accepted_tokens_total", "vllm:spec_decode_num_accepted_tokens_per_pos_total",
        "vllm:estimated_flops_per_gpu_total", "vllm:estimated_read_bytes_per_gpu_total", "vllm:estimated_write_bytes_per_gpu_total",
    ];

    [Fact]
    public void Fixture_EveryFamilyParses_AndBothEnginesAreRead()
    {
        var (samples, errors) = PrometheusText.Parse(Fixture("vllm-metrics-all-families.txt"));
        Assert.Empty(errors);
        var names = samples.Select(s => s.Name).ToHashSet();
        Assert.All(Families, f => Assert.Contains(f, names));
        Assert.Equal("meta-llama/Llama-3.1-8B", samples.First(s => s.Name == "vllm:num_requests_running").Labels["model_name"]);
        var (engines, rejections) = VllmScrape.Read(samples);
        Assert.Empty(rejections);
        Assert.Equal(["0", "1"], engines.Keys.Order());
        var e0 = engines["0"];
        Assert.Equal((12, 3, 0.4375, 27413, 16), (e0.Running, e0.Waiting, e0.KvUsage, e0.NumGpuBlocks, e0.BlockSize));
        Assert.Equal(52000, e0.Counters["prompt_tokens"]);
        Assert.Equal(9100, e0.Counters["generation_tokens"]);
        Assert.Equal(5, e0.Counters["preemptions"]);
        Assert.Equal(52000, e0.Counters["prefix_cache_queries"]);
        Assert.Equal(13000, e0.Counters["prefix_cache_hits"]);
        var e1 = engines["1"];
        Assert.Equal((7, 0, 0.125, 27413), (e1.Running, e1.Waiting, e1.KvUsage, e1.NumGpuBlocks));
    }

    [Fact]
    public void MalformedLines_AreReportedByLine_AndEveryOtherSampleIsKept()
    {
        string text = """
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="m"} 4.0
            vllm:num_requests_waiting{engine="0",model_name="m"} four
            vllm:num_requests_waiting{engine="0",model_name="m} 2.0
            {engine="0"} 1.0
            vllm:num_requests_waiting{engine="0",model_name="m"} 2.0 1780000000000
            vllm:kv_cache_usage_perc{engine="0",model_name="m"} 1.5
            vllm:num_requests_running{model_name="m"} 1.0
            vllm:generation_tokens_total{engine="0",model_name="a \"quoted\" name"} 10.0
            """;
        var (samples, errors) = PrometheusText.Parse(text);
        Assert.Equal(
        [
            (3, "vllm:num_requests_waiting: 'four' is not a number"),
            (4, "vllm:num_requests_waiting: label 'model_name' has an unterminated value"),
            (5, "a sample must start with a metric name (got '{engine=\"0\"} 1.0')"),
        ], errors.Select(e => (e.Line, e.Message)));
        Assert.Equal(5, samples.Count);
        Assert.Equal("a \"quoted\" name", samples[^1].Labels["model_name"]);
        var (engines, rejections) = VllmScrape.Read(samples);
        Assert.Equal(["bad_value", "missing_engine_label"], rejections.Select(r => r.Reason));
        Assert.Equal((4, 2, (double?)null), (engines["0"].Running, engines["0"].Waiting, engines["0"].KvUsage));
        Assert.Equal(10, engines["0"].Counters["generation_tokens"]);
    }

    [Fact]
    public void OldKvName_IsUsedOnlyWithoutTheCurrentOne()
    {
        var (samples, _) = PrometheusText.Parse("vllm:gpu_cache_usage_perc{engine=\"0\"} 0.25\nvllm:gpu_cache_usage_perc{engine=\"1\"} 0.5\nvllm:kv_cache_usage_perc{engine=\"1\"} 0.75\n");
        var (engines, _) = VllmScrape.Read(samples);
        Assert.Equal(0.25, engines["0"].KvUsage);
        Assert.Equal(0.75, engines["1"].KvUsage);
    }
}
