using System.Text;

namespace TokenSim.Emulator;

/// <summary>
/// Runs a few streamed and whole requests through a throwaway engine on a free port, so that the first real requests
/// do not pay for just-in-time compilation of the request path: their first tokens would otherwise leave
/// milliseconds late. The real engines' state and metrics are untouched.
/// </summary>
public static class EmulatorWarmUp
{
    public static async Task RunAsync(EmulatorOptions like)
    {
        var o = like with { Host = "127.0.0.1", Port = 0, Speed = 1000, OutputLengths = null };
        var (app, engine) = EmulatorServer.Build(o);
        try
        {
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            for (int round = 0; round < 3; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, 6).Select(async k =>
                {
                    bool chat = k is 2 or 3, stream = k % 2 == 0;
                    string prompt = chat ? "\"messages\": [{\"role\": \"user\", \"content\": \"warm up\"}]"
                        : k < 2 ? "\"prompt\": \"warm up\"" : "\"prompt\": [" + string.Join(",", Enumerable.Range(1, 300)) + "]";
                    string body = "{" + prompt + ", \"max_tokens\": 4, \"stream\": " + (stream ? "true" : "false") + ", \"stream_options\": {\"include_usage\": true}}";
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var res = await http.PostAsync(chat ? "/v1/chat/completions" : "/v1/completions", content);
                    res.EnsureSuccessStatusCode();
                    await res.Content.ReadAsStringAsync();
                }));
                await http.GetStringAsync("/metrics");
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            engine.Dispose();
        }
    }
}
