using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Production and its twin on one machine: <c>tokensim emulate --replicas 2</c> serves the OpenAI API, /metrics, OTLP
/// spans and KV events; TokenSim.Server listens to those only (a sources file: scrape targets, span rules, KV-event
/// endpoints) and fronts the replicas with its gateway; a load generator sends streaming chat completions with shared
/// system prompts through the gateway at Poisson arrivals. No TokenSim event reaches the twin by gRPC. The report
/// holds every check of issue 9's end-to-end run.
/// </summary>
public sealed partial class VllmEndToEnd : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly StringBuilder _log = new();
    private readonly string _sources = Path.Combine(Path.GetTempPath(), $"tokensim-e2e-{Guid.NewGuid():N}.yaml");
    private readonly int _api = EmulatorProcess.FreePorts(2), _kv = EmulatorProcess.FreePorts(2), _replay = EmulatorProcess.FreePorts(2), _proxy = ServerProcess.FreePort();
    private ServerProcess? _server;
    /// <summary>
    /// An A40: a 1,000-token prefill takes about 0.15 s, so a TTFT is long against the HTTP hops and the scheduling
    /// noise of a shared machine, which the twin does not model.
    /// </summary>
    private const string Hardware = "a40";

    public string Log { get { lock (_log) return _log.ToString() + (_server is null ? "" : "\n--- server ---\n" + _server.Log + "\n--- metrics ---\n" + _metrics); } }
    private string _metrics = "";

    /// <summary>Runs the load for <paramref name="seconds"/> at <paramref name="rate"/> requests/s and gathers the report.</summary>
    public async Task<E2eReport> RunAsync(double seconds, double rate, int seed = 1)
    {
        // Replica i of the emulator: API on _api + i, KV events on _kv + i, replay on _replay + i (vLLM's rule per rank).
        await File.WriteAllTextAsync(_sources, $$"""
            scrape: {interval_s: 1}
            deployments:
              - name: prod
                spec: {model: llama-3.1-8b, hardware: {{Hardware}}, replicas: 2}
                targets:
            {{Target(0)}}
            {{Target(1)}}
            """);
        // Forecasts scored at the horizons; each costs three times a 20 s one, so a larger share of a core.
        _server = new SourcedServerProcess(_sources, _proxy, 10, "--forecast-score-horizons", "10,30,60", "--forecast-score-budget", "0.5");
        await _server.InitializeAsync();
        Start("emulate", "--model", "llama-3.1-8b", "--hardware", Hardware, "--replicas", "2", "--port", $"{_api}", "--seed", $"{seed}",
            "--otlp-traces-endpoint", $"grpc://127.0.0.1:{_server.GrpcPort}",
            "--kv-events-config", $$"""{"enable_kv_cache_events":true,"publisher":"zmq","endpoint":"tcp://*:{{_kv}}","replay_endpoint":"tcp://*:{{_replay}}","topic":"kv-events"}""");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        await WaitHealthy(http, $"http://127.0.0.1:{_api}/health");
        await WaitHealthy(http, $"http://127.0.0.1:{_api + 1}/health");

        var samples = new List<TrackingSample>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleAsync(http, samples, stop.Token));
        var rng = new Random(seed);
        var clock = Stopwatch.StartNew();
        var sent = new List<Task<bool>>();
        double next = 0;
        while (true)
        {
            next += -Math.Log(1 - rng.NextDouble()) / rate;
            if (next > seconds) break;
            var wait = TimeSpan.FromSeconds(next) - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            sent.Add(SendAsync(http, rng.Next(3), rng.Next(800, 8000), rng.Next(16, 128)));
        }
        var ok = await Task.WhenAll(sent);
        // Spans leave in the SDK's batches (OTEL_BSP_SCHEDULE_DELAY, 500 ms here); the last scrape a second later.
        var client = new Deployments.DeploymentsClient(_server.Channel);
        AccuracyReport acc;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(500);
            acc = await client.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "prod" });
        } while (acc.Requests.Count(r => r.Spans > 0) < ok.Length && DateTime.UtcNow < deadline);
        await Task.Delay(1500);
        stop.Cancel();
        await sampler;
        acc = await client.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "prod" });
        string metrics = await _server.MetricsTextAsync();
        _metrics = string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("tokensim_otlp") || l.StartsWith("tokensim_source") || l.StartsWith("tokensim_events_ingested") || l.StartsWith("tokensim_gateway_untracked")));
        var forecasts = await new Forecasting.ForecastingClient(_server.Channel).GetForecastScoresAsync(new GetForecastScoresRequest { Deployment = "prod" });
        return E2eReport.From(ok.Length, ok.Count(x => x), acc, metrics, samples, seconds, rate) with { Forecasts = forecasts };
    }

    private string Target(int i) => $$"""
                  - metrics: http://127.0.0.1:{{_api + i}}/metrics
                    openai: http://127.0.0.1:{{_api + i}}
                    replica: {{i}}
                    spans: {service.instance.id: replica-{{i}}}
                    kv_events: {endpoint: "tcp://127.0.0.1:{{_kv + i}}", replay_endpoint: "tcp://127.0.0.1:{{_replay + i}}", topic: kv-events}
        """;

    private static readonly string[] SystemPrompts =
    [
        // About 1,500, 1,000 and 500 tokens (the emulator's tokenizer reads 4 characters a token).
        string.Concat(Enumerable.Repeat("You are a careful assistant for a bank. Answer briefly and cite the policy. ", 80)),
        string.Concat(Enumerable.Repeat("You translate English into French, keeping technical terms as they are. ", 55)),
        string.Concat(Enumerable.Repeat("Summarise the user's text in three bullet points, plain words only. ", 30)),
    ];

    /// <summary>One streaming chat completion through the gateway, read to the end; false unless it was a 200.</summary>
    private async Task<bool> SendAsync(HttpClient http, int system, int userChars, int maxTokens)
    {
        var body = JsonSerializer.Serialize(new
        {
            stream = true, max_tokens = maxTokens,
            messages = new object[] { new { role = "system", content = SystemPrompts[system] }, new { role = "user", content = new string('q', userChars) + Guid.NewGuid().ToString("N") } },
        });
        using var res = await http.PostAsync($"http://127.0.0.1:{_proxy}/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        await res.Content.ReadAsByteArrayAsync();
        return res.IsSuccessStatusCode;
    }

    [GeneratedRegex("""^tokensim_replica_(running_requests|waiting_requests|kv_usage_ratio)\{deployment="prod",replica="(\d+)",source="(observed|simulated)"\} (\S+)$""", RegexOptions.Multiline)]
    private static partial Regex ReplicaGauge();

    /// <summary>Each second: the twin's observed (last scrape) and simulated running, waiting and KV use per replica.</summary>
    private async Task SampleAsync(HttpClient http, List<TrackingSample> samples, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                string text = await http.GetStringAsync($"http://127.0.0.1:{_server!.MetricsPort}/metrics", stop);
                var values = new Dictionary<(string, int, string), double>();
                foreach (Match m in ReplicaGauge().Matches(text))
                    values[(m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value)] = double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
                foreach (var metric in new[] { "running_requests", "waiting_requests", "kv_usage_ratio" })
                    for (int r = 0; r < 2; r++)
                        if (values.TryGetValue((metric, r, "observed"), out double o) && values.TryGetValue((metric, r, "simulated"), out double s))
                            lock (samples) samples.Add(new TrackingSample(metric, r, o, s));
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException) { return; }
        }
    }

    private void Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ServerProcess.BuiltDll("TokenSim.Cli"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "500";
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes.Add(p);
    }

    private async Task WaitHealthy(HttpClient http, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_processes.Any(p => p.HasExited)) throw new InvalidOperationException($"emulate exited:\n{Log}");
            try { (await http.GetAsync(url)).EnsureSuccessStatusCode(); return; }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline) { await Task.Delay(250); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
            p.Dispose();
        }
        if (_server is not null) await _server.DisposeAsync();
        File.Delete(_sources);
    }
}

public sealed record TrackingSample(string Metric, int Replica, double Observed, double Simulated);

/// <summary>The end-to-end checks and scores.</summary>
public sealed partial record E2eReport
{
    public int Sent { get; init; }
    public int Succeeded { get; init; }
    /// <summary>Requests the twin saw arrive through the gateway, and how many of them have exactly one span.</summary>
    public int GatewayRequests { get; init; }
    public int MatchedOneSpan { get; init; }
    /// <summary>Spans the twin could not join to a request the gateway saw.</summary>
    public int UnmatchedSpans { get; init; }
    public double KvSequenceNumbers { get; init; }
    public double KvApplied { get; init; }
    public double KvReplayed { get; init; }
    public double KvRejected { get; init; }
    public double KvLost { get; init; }
    public double KvUnaccounted { get; init; }
    public double KvEvents { get; init; }
    public int TtftScored { get; init; }
    public double TtftMedianAbsError { get; init; }
    public double TtftP90AbsError { get; init; }
    public double TtftMeanSignedError { get; init; }
    public double E2eMedianAbsError { get; init; }
    /// <summary>Against the span's engine-side TTFT (queue + prefill: first token − queued), what the twin predicts.</summary>
    public int EngineTtftScored { get; init; }
    public double EngineTtftMedianAbsError { get; init; }
    public double EngineTtftP90AbsError { get; init; }
    public double EngineTtftMeanSignedError { get; init; }
    public int RealPrefixHits { get; init; }
    /// <summary>Mean |simulated − observed| per metric over the samples (running and waiting in requests, KV as a fraction), and the observed mean.</summary>
    public Dictionary<string, (double MeanAbsDiff, double ObservedMean, double SimulatedMean, int Samples)> Tracking { get; init; } = [];
    /// <summary>The twin's forecasts of running, waiting and KV scored against later scrapes, and the naive forecast's.</summary>
    public ForecastScores? Forecasts { get; init; }

    public static E2eReport From(int sent, int ok, AccuracyReport acc, string metrics, List<TrackingSample> samples, double seconds, double rate)
    {
        var seen = acc.Requests.Where(r => r.ArrivalObserved).ToList();
        var scored = seen.Where(r => r.HasPredictedTtftS && r.HasObservedTtftS && r.ObservedTtftS > 0).Select(r => (r.PredictedTtftS - r.ObservedTtftS) / r.ObservedTtftS).ToList();
        // The engine's own TTFT from the span, first token − queued on its clock: what the twin's prediction is of.
        var engine = seen.Where(r => r.HasPredictedTtftS && r.HasObservedQueueS && r.HasObservedPrefillS && r.ObservedQueueS + r.ObservedPrefillS > 0)
            .Select(r => (r.PredictedTtftS - (r.ObservedQueueS + r.ObservedPrefillS)) / (r.ObservedQueueS + r.ObservedPrefillS)).ToList();
        var e2e = seen.Where(r => r.HasPredictedE2ES && r.HasObservedE2ES && r.ObservedE2ES > 0).Select(r => Math.Abs(r.PredictedE2ES - r.ObservedE2ES) / r.ObservedE2ES).ToList();
        double Sum(string name, string? label = null) => Metric().Matches(metrics).Where(m => m.Groups[1].Value == name && (label is null || m.Groups[2].Value.Contains(label)))
            .Sum(m => double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        var tracking = samples.GroupBy(s => s.Metric).ToDictionary(g => g.Key, g => (g.Average(s => Math.Abs(s.Simulated - s.Observed)), g.Average(s => s.Observed), g.Average(s => s.Simulated), g.Count()));
        return new E2eReport
        {
            Sent = sent, Succeeded = ok,
            GatewayRequests = seen.Count, MatchedOneSpan = seen.Count(r => r.Spans == 1), UnmatchedSpans = acc.Requests.Count(r => !r.ArrivalObserved),
            KvSequenceNumbers = Sum("tokensim_kv_event_sequence_numbers_total"), KvApplied = Sum("tokensim_kv_event_batches_total", "outcome=\"applied\""),
            KvReplayed = Sum("tokensim_kv_event_batches_total", "outcome=\"replayed\""), KvRejected = Sum("tokensim_kv_event_batches_rejected_total"),
            KvLost = Sum("tokensim_kv_event_batches_lost_total"), KvUnaccounted = Sum("tokensim_kv_event_sequence_unaccounted"), KvEvents = Sum("tokensim_kv_events_total"),
            TtftScored = scored.Count,
            TtftMedianAbsError = Quantile(scored.Select(Math.Abs), 0.5), TtftP90AbsError = Quantile(scored.Select(Math.Abs), 0.9),
            TtftMeanSignedError = scored.Count == 0 ? double.NaN : scored.Average(),
            EngineTtftScored = engine.Count,
            EngineTtftMedianAbsError = Quantile(engine.Select(Math.Abs), 0.5), EngineTtftP90AbsError = Quantile(engine.Select(Math.Abs), 0.9),
            EngineTtftMeanSignedError = engine.Count == 0 ? double.NaN : engine.Average(),
            E2eMedianAbsError = Quantile(e2e, 0.5),
            RealPrefixHits = 0,
            Tracking = tracking,
        };
    }

    [GeneratedRegex("""^(tokensim_\w+)(\{[^}]*\})? (\S+)$""", RegexOptions.Multiline)]
    private static partial Regex Metric();

    private static double Quantile(IEnumerable<double> values, double q)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v[Math.Min(v.Length - 1, (int)Math.Floor(q * v.Length))];
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        sent = Sent, succeeded = Succeeded, gateway_requests = GatewayRequests, matched_one_span = MatchedOneSpan, unmatched_spans = UnmatchedSpans,
        kv = new { sequence_numbers = KvSequenceNumbers, applied = KvApplied, replayed = KvReplayed, rejected = KvRejected, lost = KvLost, unaccounted = KvUnaccounted, events = KvEvents },
        ttft_vs_gateway = new { scored = TtftScored, median_abs_error = TtftMedianAbsError, p90_abs_error = TtftP90AbsError, mean_signed_error = TtftMeanSignedError },
        ttft_vs_span_engine = new { scored = EngineTtftScored, median_abs_error = EngineTtftMedianAbsError, p90_abs_error = EngineTtftP90AbsError, mean_signed_error = EngineTtftMeanSignedError },
        e2e_median_abs_error = E2eMedianAbsError,
        forecasts = Forecasts is null ? null : new
        {
            issued = Forecasts.Issued, skipped = Forecasts.Skipped,
            scores = Forecasts.Scores.Select(f => new { metric = f.Metric, horizon_s = f.HorizonS, points = f.Points, mae = f.Mae, naive_mae = f.NaiveMae, bias = f.Bias }),
        },
        tracking = Tracking.ToDictionary(kv => kv.Key, kv => new { mean_abs_diff = kv.Value.MeanAbsDiff, observed_mean = kv.Value.ObservedMean, simulated_mean = kv.Value.SimulatedMean, samples = kv.Value.Samples }),
    }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
}
