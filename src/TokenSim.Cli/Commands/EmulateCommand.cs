using System.CommandLine;
using Spectre.Console;
using TokenSim.Core.Entities;
using TokenSim.Emulator;

namespace TokenSim.Cli.Commands;

/// <summary>
/// <c>tokensim emulate</c>: serves the OpenAI API and vLLM's /metrics with each token released on the wall clock
/// when the simulation says it is produced. Replica i listens on port P + i. The process runs until stopped.
/// </summary>
internal static class EmulateCommand
{
    public static Command Create()
    {
        var options = new SimulateOptions();
        var port = new Option<int>("--port") { Description = "HTTP port of replica 0; replica i uses port + i. Default 8000.", DefaultValueFactory = _ => 8000 };
        var host = new Option<string>("--host") { Description = "Address to listen on. Default 127.0.0.1.", DefaultValueFactory = _ => "127.0.0.1" };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per wall-clock second. Default 1 (real time).", DefaultValueFactory = _ => 1.0 };
        var replicas = new Option<int>("--replicas") { Description = "Independent engines, one per port. Default 1.", DefaultValueFactory = _ => 1 };
        var name = new Option<string?>("--served-model-name") { Description = "Model name the API reports. Default the model's Hugging Face id." };
        var lengths = new Option<string?>("--output-lengths") { Description = "Output lengths of requests without ignore_eos, standing in for the model's end-of-sequence: N, LOW..HIGH, zipf(S,MAX), azure-conv, azure-code or a trace file (capped by max_tokens). Default: every request runs to max_tokens." };
        var kvEvents = new Option<string?>("--kv-events-config") { Description = "vLLM's KV-event publishing, as JSON (e.g. '{\"enable_kv_cache_events\":true,\"publisher\":\"zmq\",\"topic\":\"kv-events\"}'); replica i publishes on the endpoint's port + i. Default off." };
        var kvFormat = new Option<KvEventFormat>("--kv-events-format") { Description = "KV event layout: array (vLLM ≤ 0.19, positional) or map (later vLLM, named fields). Default array.", DefaultValueFactory = _ => KvEventFormat.Array };
        var otlp = new OtlpTracesOption();
        var cmd = new Command("emulate", "Serve the OpenAI API and vLLM's /metrics, timed in real time by the simulator: a vLLM without a GPU.") { port, host, speed, replicas, name, lengths, otlp.Endpoint, kvEvents, kvFormat };
        options.AddTo(cmd, run: false, also: "seed");
        cmd.SetAction(async (parse, cancel) =>
        {
            var s = options.Read(parse);
            // One server per engine: vLLM's in-server data-parallel ranks (one /metrics with an engine label per rank) are not emulated.
            if (s.Dp > 1) throw new ArgumentException($"emulate serves one engine per port: use --replicas {s.Dp} for independent engines instead of --dp {s.Dp}.");
            var spec = ReplicaSpec.Create(ModelCatalog.Resolve(s.Model), HardwareCatalog.Resolve(s.Hardware), s.ToEngineConfig());
            string model = parse.GetValue(name) ?? spec.Model.HuggingFaceId ?? spec.Model.Name;
            int n = parse.GetValue(replicas);
            if (n is < 1 or > EngineLimits.MaxReplicas) throw new ArgumentException($"--replicas must be 1 to {EngineLimits.MaxReplicas:N0} (got {n:N0}).");
            if (!(parse.GetValue(speed) > 0)) throw new ArgumentException($"--speed must be positive (got {parse.GetValue(speed)}).");
            int basePort = parse.GetValue(port);
            if (basePort < 0 || basePort + n - 1 > 65535) throw new ArgumentException($"--port {basePort} with {n} replicas runs past port 65535.");
            using var spans = otlp.Read(parse);
            var kvConfig = parse.GetValue(kvEvents) is { } kvJson ? KvEventsConfig.Parse(kvJson) : null;
            if (kvConfig is not null) kvConfig = kvConfig with { Format = parse.GetValue(kvFormat) };
            var replicaOptions = Enumerable.Range(0, n)
                .Select(i => new EmulatorOptions
                {
                    Spec = spec, ModelName = model, Host = parse.GetValue(host)!, Port = basePort + i, Speed = parse.GetValue(speed),
                    PerfModel = s.PerfModel, Seed = s.Seed + (ulong)i, ReplicaIndex = i, ReplicaName = $"replica-{i}",
                    OutputLengths = parse.GetValue(lengths) is { } l ? OutputLengthModel.Parse(l, spec.MaxModelLen, s.Seed + 1000 + (ulong)i) : null,
                    KvEvents = kvConfig,
                })
                .ToList();
            // Hundreds of streams release their tokens at the same step end: keep enough pool threads ready that a
            // burst of arrivals and releases is not queued behind the pool's slow thread injection.
            System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
            ThreadPool.GetMinThreads(out int workers, out int io);
            ThreadPool.SetMinThreads(Math.Max(workers, 4 * Environment.ProcessorCount), Math.Max(io, 4 * Environment.ProcessorCount));
            await EmulatorWarmUp.RunAsync(new EmulatorOptions { Spec = spec, ModelName = model, PerfModel = s.PerfModel });
            // The line below is the ready signal: it is printed only once every replica listens (EmulatorFleet).
            await using var fleet = await EmulatorFleet.StartAsync(replicaOptions, i => spans.For($"replica-{i}"), cancel);
            AnsiConsole.MarkupLine($"emulating [bold]{Markup.Escape(TerminalText.Escape(model))}[/] on {Markup.Escape(TerminalText.Escape(spec.Hardware.Name))} (TP {spec.TensorParallel}, {spec.Scheduler}, {spec.NumGpuBlocks:N0} KV blocks) at {parse.GetValue(speed)}× real time: " +
                string.Join(", ", replicaOptions.Select(o => $"http://{o.Host}:{o.Port}")));
            // Wait for any replica's host to begin stopping (each takes SIGTERM/SIGINT for itself), or the command's own cancellation.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancel, fleet.Stopping);
            try { await Task.Delay(Timeout.Infinite, stopping.Token); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return cmd;
    }
}
