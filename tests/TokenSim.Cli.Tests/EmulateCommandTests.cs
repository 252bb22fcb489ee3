using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary><c>tokensim emulate</c> as a process: replicas on consecutive ports, independent engines, a clean stop on SIGTERM.</summary>
public sealed class EmulateCommandTests
{
    /// <summary>
    /// A port p with p and p + 1 free now, below Linux's ephemeral range (32768 up) so that no outgoing connection of
    /// this machine takes p + 1 as its local port before emulate binds it (the OS's port-0 choice is from that range).
    /// </summary>
    private static int FreePortPair()
    {
        for (int tries = 0; ; tries++)
        {
            int p = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var first = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, p);
                using var next = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, p + 1);
                first.Start();
                next.Start();
                return p;
            }
            catch (System.Net.Sockets.SocketException) when (tries < 200) { }
        }
    }

    private static double Metric(string exposition, string name) =>
        double.Parse(Regex.Match(exposition, "^" + Regex.Escape(name) + @"\{[^}]*\} (\S+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// emulate started on a free port pair, returned once it printed its ready line. A port another process took since
    /// it was found free is reported by emulate as "cannot listen" and tried again on another pair.
    /// </summary>
    private static async Task<(Process Process, int Port, Task<string> Stdout, Task<string> Stderr)> StartTwoReplicasAsync()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePortPair();
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "TokenSim.Cli.dll"), "emulate", "--model", "llama-3.1-8b", "--hardware", "a100-80g", "--replicas", "2", "--port", port.ToString(), "--speed", "50", "--served-model-name", "m" })
                psi.ArgumentList.Add(a);
            var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            // The ready line comes first on stdout; the rest is read to the end after it.
            string? ready = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120));
            var stdout = p.StandardOutput.ReadToEndAsync().ContinueWith(t => ready + "\n" + t.Result, TaskScheduler.Default);
            if (ready is not null) return (p, port, stdout, stderr);
            await p.WaitForExitAsync();
            string error = await stderr;
            p.Dispose();
            if (!error.Contains("cannot listen", StringComparison.Ordinal) || attempt >= 3) throw new InvalidOperationException($"emulate exited with {p.ExitCode} before it was ready: {error}");
        }
    }

    [Fact]
    public async Task TwoReplicas_ServeOnPortAndPortPlusOne_AsIndependentEngines_AndStopOnSigterm()
    {
        var (p, port, stdout, stderr) = await StartTwoReplicasAsync();
        using var _ = p;
        try
        {
            // Ready means every replica listens: both answer at once, with no waiting for the second.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            foreach (int i in new[] { 0, 1 })
                (await http.GetAsync($"http://127.0.0.1:{port + i}/health")).EnsureSuccessStatusCode();
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

    [Fact]
    public async Task PortTaken_OneLineNamingThePort_AndNoReplicaLeftListening()
    {
        int port = FreePortPair();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port + 1);
        taken.Start();
        var (code, stdout, stderr) = await Task.Run(() => CliProcess.Run("emulate", "--model", "llama-3.1-8b", "--hardware", "a100-80g", "--replicas", "2", "--port", $"{port}"));
        Assert.Equal(1, code);
        Assert.StartsWith($"error: --port {port}: replica 1 cannot listen on port {port + 1}: ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("emulating", stdout);
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
