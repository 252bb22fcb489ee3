using System.Net.Http.Json;

namespace TokenSim.Emulator.Tests;

/// <summary>A client that goes away mid-stream: vLLM aborts the request and frees its blocks; so does the emulator.</summary>
public class AbortOnDisconnectTests
{
    [Fact]
    public async Task ClosingTheStream_AbortsTheRequest_FreesItsBlocks_CountsAnAbort()
    {
        await using var h = await EmulatorHarness.StartWithAsync(speed: 1);
        using var msg = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(new { prompt = new string('a', 4000), max_tokens = 3000, stream = true }) };
        using (var res = await h.Client.SendAsync(msg, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await res.Content.ReadAsStreamAsync());
            for (int events = 0; events < 3;)
                if ((await reader.ReadLineAsync())!.StartsWith("data: ", StringComparison.Ordinal)) events++;
            var during = PrometheusExposition.Parse(await h.Client.GetStringAsync("/metrics"));
            Assert.Equal(1, during.Value("vllm:num_requests_running"));
            Assert.True(during.Value("vllm:kv_cache_usage_perc") > 0);
        } // disposing the response closes the connection

        PrometheusExposition after;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            await Task.Delay(50);
            after = PrometheusExposition.Parse(await h.Client.GetStringAsync("/metrics"));
        } while (after.Value("vllm:request_success_total", ("finished_reason", "abort")) == 0 && DateTime.UtcNow < deadline);
        Assert.Equal(1, after.Value("vllm:request_success_total", ("finished_reason", "abort")));
        Assert.Equal(0, after.Value("vllm:num_requests_running"));
        Assert.Equal(0, after.Value("vllm:kv_cache_usage_perc"));
        Assert.Equal(0, after.Value("vllm:request_success_total", ("finished_reason", "length")));
    }
}
