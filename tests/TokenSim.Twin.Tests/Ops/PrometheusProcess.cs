using System.Diagnostics;
using System.Text.Json;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// Debian's prometheus from PATH on a free loopback port, scraping one target every second with the given rules
/// files, its data in a throwaway directory.
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _dir;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private PrometheusProcess(Process process, DirectoryInfo dir, int port)
    {
        _process = process;
        _dir = dir;
        Address = $"http://127.0.0.1:{port}";
    }

    public string Address { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) as job "tokensim".</summary>
    /// <param name="rules">File name and text of each rules file to load.</param>
    public static async Task<PrometheusProcess> StartAsync(string target, IReadOnlyDictionary<string, string> rules)
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-prometheus-");
        foreach (var (name, text) in rules) await File.WriteAllTextAsync(Path.Combine(dir.FullName, name), text);
        string config = $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [{string.Join(", ", rules.Keys.Select(k => $"\"{k}\""))}]
            scrape_configs:
              - job_name: tokensim
                static_configs:
                  - targets: ["{target}"]
            """;
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "prometheus.yml"), config);
        int port = ServerProcess.FreePort();
        var psi = new ProcessStartInfo(OpsTool.Find("prometheus") ?? throw new InvalidOperationException("prometheus is not on PATH."))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.FullName,
        };
        foreach (var a in new[] { "--config.file=prometheus.yml", $"--storage.tsdb.path={Path.Combine(dir.FullName, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
            psi.ArgumentList.Add(a);
        var log = new System.Text.StringBuilder();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("prometheus did not start.");
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var prometheus = new PrometheusProcess(process, dir, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                await prometheus.DisposeAsync();
                lock (log) throw new InvalidOperationException($"prometheus exited with {process.ExitCode}:\n{log}");
            }
            try
            {
                if ((await prometheus._http.GetAsync($"{prometheus.Address}/-/ready")).IsSuccessStatusCode) return prometheus;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow >= deadline)
            {
                await prometheus.DisposeAsync();
                throw new TimeoutException("prometheus was not ready within 30 s.");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>An instant query at the current time: the API's JSON answer, success or error.</summary>
    public async Task<JsonDocument> QueryAsync(string expr)
    {
        using var response = await _http.GetAsync($"{Address}/api/v1/query?query={Uri.EscapeDataString(expr)}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    public async Task<JsonDocument> GetAsync(string path) => JsonDocument.Parse(await _http.GetStringAsync($"{Address}{path}"));

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _dir.Delete(recursive: true);
    }
}
