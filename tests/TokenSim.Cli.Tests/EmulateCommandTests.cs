using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary><c>tokensim emulate</c> as a process: replicas on consecutive ports, independent engines, a clean stop on SIGTERM.</summary>
public sealed class EmulateCommandTests
{
    private static int FreePortPair()
    {
        for (int tries = 0; tries < 50; tries++)
        {
            var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            int p = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            if (p >= 65535) continue;
            try
            {
                var next = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, p + 1);
                next.Start();
                next.Stop();
                return p;
            }
            catch (System.Net.Sockets.SocketException) { }
        }
        throw new InvalidOperationException("no two consecutive free ports");
    }

    private static double Metric(string exposition, string name) =>
        double.Parse(Regex.Match(exposition, "^" + Regex.Escape(name) + @"\{[^}]*\} (\S+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TwoReplicas_ServeOnPortAndPortPlusOne_AsIndependentEngines_AndStopOnSigterm()
    {
        int port = FreePortPair();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "TokenSim.Cli.dll"), "emulate", "--model", "llama-3.1-8b", "--hardware", "a100-80g", "--replicas", "2", "--port", port.ToString(), "--speed", "50", "--served-model-name", "m" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            foreach (int i in new[] { 0, 1 })
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    try { (await http.GetAsync($"http://127.0.0.1:{port + i}/health")).EnsureSuccessStatusCode(); break; }
                    catch (HttpRequestException) when (DateTime.UtcNow < deadline && !p.HasExited) { await Task.Delay(200); }
                }
            }
            var res = await http.PostAsJsonAsync($"http://127.0.0.1:{port + 1}/v1/completions", new { model = "m", prompt = "hello there", max_tokens = 6 });
            res.EnsureSuccessStatusCode();
            string m0 = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            string m1 = await http.GetStringAsync($"http://127.0.0.1:{port + 1}/metrics");
            Assert.Equal(0, Metric(m0, "vllm:generation_tokens_total"));
            Assert.Equal(6, Metric(m1, "vllm:generation_tokens_total"));
        }
        finally
        {
            if (!p.HasExited) Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
        }
        Assert.True(p.WaitForExit(15_000), "emulate did not stop on SIGTERM");
        Assert.Equal(0, p.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port + 1}", await stdout);
        Assert.Equal("", (await stderr).Trim());
    }

    [Theory]
    [InlineData("--replicas", "0", "--replicas must be 1 to 1,024 (got 0).")]
    [InlineData("--replicas", "100000", "--replicas must be 1 to 1,024 (got 100,000).")]
    [InlineData("--max-num-seqs", "1073741824", "--max-num-seqs must be at most 1,048,576 (got 1,073,741,824).")]
    [InlineData("--speed", "0", "--speed must be positive")]
    [InlineData("--output-lengths", "nonsense-file.csv", "nonsense-file.csv")]
    [InlineData("--dp", "2", "use --replicas 2")]
    public void BadOptions_OneLineError(string flag, string value, string message)
    {
        var (code, _, stderr) = CliProcess.Run("emulate", "--port", "0", flag, value);
        Assert.NotEqual(0, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }
}
