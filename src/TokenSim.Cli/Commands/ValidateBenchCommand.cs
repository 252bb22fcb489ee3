using System.CommandLine;
using System.Text.Json;
using TokenSim.Cli.Commands.Json;
using Spectre.Console;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands;

/// <summary><c>tokensim validate vllm-bench</c>: replay a measured vLLM run and report the error per metric.</summary>
internal static class ValidateBenchCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Folder of a measured vLLM run: meta.json, requests.jsonl, timeseries.csv (config.json optional).", Required = true };
        var workload = new Option<string?>("--workload") { Description = "The run's request stream with token ids (LLMServingSim JSONL), matched to bench-N by order, for prefix hashing." };
        var perf = new Option<string?>("--perf-model") { Description = "roofline (default) or profile:DIR (measured operator tables)." };
        var prefix = new Option<bool?>("--prefix-caching") { Description = "Override the run's prefix caching setting (true/false)." };
        var kvBlocks = new Option<int?>("--kv-blocks") { Description = "Force the GPU KV block count instead of deriving it (e.g. to make the run KV-bound)." };
        var json = new Option<string?>("--json") { Description = "Write measured, simulated and error per metric as JSON." };
        var requestsCsv = new Option<string?>("--requests-csv") { Description = "Write each request's measured and simulated queue, TTFT, TPOT and E2E." };
        var seriesCsv = new Option<string?>("--series-csv") { Description = "Write the measured and simulated engine series per tick." };
        var calibrateOn = new Option<double?>("--calibrate-on")
        {
            Description = "Fit a step correction (kernel-time scale, per-prefill-step cost) on the requests arriving in the first fraction F of the run, and score only the rest, uncalibrated beside calibrated.",
        };
        var cmd = new Command("vllm-bench", "Replay a measured vLLM run (each request at its measured queued time) and compare TTFT, TPOT, E2E and the engine's time series.")
        {
            run, workload, perf, kvBlocks, prefix, json, requestsCsv, seriesCsv, calibrateOn,
        };
        cmd.SetAction(parse =>
        {
            var measured = VllmBenchRun.Read(parse.GetValue(run)!);
            var perfModel = parse.GetValue(perf) ?? "roofline";
            BenchValidation Replay(StepCorrection? c) =>
                BenchValidation.Execute(measured, perfModel, parse.GetValue(workload), parse.GetValue(kvBlocks), parse.GetValue(prefix), c);
            var v = Replay(null);
            var calibration = parse.GetValue(calibrateOn) is { } fraction ? BenchCalibration.Run(v, c => Replay(c), fraction) : null;
            Print(AnsiConsole.Console, v);
            if (calibration is not null) PrintCalibration(AnsiConsole.Console, calibration);
            if (parse.GetValue(json) is { } path) WriteJson(path, v, calibration);
            if (parse.GetValue(requestsCsv) is { } csv) WriteRequests(csv, v);
            if (parse.GetValue(seriesCsv) is { } series) WriteSeries(series, v);
            return 0;
        });
        return cmd;
    }

    private static void Print(IAnsiConsole console, BenchValidation v)
    {
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        var s = v.Spec;
        var mem = s.Memory;
        console.MarkupLine($"run {Markup.Escape(TerminalText.Escape(v.Run.Directory))}: {v.Run.Requests.Count} requests, {Markup.Escape(TerminalText.Escape(s.Model.Name))} on {Markup.Escape(TerminalText.Escape(s.Hardware.Name))} (TP {s.TensorParallel}, DP {s.DataParallel}{(s.ExpertParallelSize > 1 ? $", EP {s.ExpertParallelSize}" : "")}), max_num_seqs {s.MaxNumSeqs}, max_num_batched_tokens {s.MaxNumBatchedTokens}, perf model {Markup.Escape(TerminalText.Escape(v.PerfModel))}");
        console.MarkupLine(mem.BlocksGiven
            ? $"KV cache: {s.NumGpuBlocks:N0} blocks of {s.BlockSize} (given)"
            : $"KV cache: {s.NumGpuBlocks:N0} blocks of {s.BlockSize} tokens derived = ({mem.RequestedBytes / 1e9:F2} GB requested − {mem.WeightBytes / 1e9:F2} weights − {mem.ActivationPeakBytes / 1e9:F2} activations − {mem.NonTorchBytes / 1e9:F2} non-torch) / {mem.BlockBytes / 1024.0:F0} KiB per block; {s.KvCapacityTokens:N0} tokens");
        foreach (var n in v.Notes) console.MarkupLine($"[yellow]note:[/] {Markup.Escape(TerminalText.Escape(n))}");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("metric");
        foreach (var c in new[] { "mean", "p50", "p90", "p99" }) t.AddColumn(new TableColumn(c).RightAligned());
        t.AddColumn(new TableColumn("per-request MAPE").RightAligned());
        foreach (var m in new[] { v.Ttft, v.Tpot, v.E2e })
        {
            string unit = m.Name == "TPOT" ? "ms" : "s";
            double k = m.Name == "TPOT" ? 1000 : 1;
            t.AddRow($"{m.Name} measured ({unit})", F(m.Measured.Mean * k), F(m.Measured.P50 * k), F(m.Measured.P90 * k), F(m.Measured.P99 * k), "");
            t.AddRow($"{m.Name} simulated ({unit})", F(m.Simulated.Mean * k), F(m.Simulated.P50 * k), F(m.Simulated.P90 * k), F(m.Simulated.P99 * k), "");
            var e = m.ErrorPct;
            t.AddRow($"[bold]{m.Name} error[/]", Pct(e.Mean), Pct(e.P50), Pct(e.P90), Pct(e.P99), $"{m.PerRequestMapePct:F1}%");
        }
        console.Write(t);
        foreach (var sc in v.Series)
            console.MarkupLine($"series {sc.Name}: measured mean {sc.MeasuredMean:F1}, simulated mean {sc.SimulatedMean:F1}, mean absolute error {sc.MeanAbsoluteError:F2} over {sc.Points} ticks");
        if (v.Run.TimeSeries.Count > 0 && v.Series.All(x => x.Name != "kv_cache_pct"))
            console.MarkupLine("series kv_cache_pct: not recorded by this run");
        console.MarkupLine($"simulated preemptions {v.Report.Preemptions}, KV use max {v.Report.KvUsageMax:P1}, prefix cache hit rate {v.Report.PrefixCacheHitRate:P1}");
    }

    private static void PrintCalibration(IAnsiConsole console, BenchCalibration c)
    {
        console.MarkupLine($"calibration: fitted on the {c.FittedOn} requests arriving in the first {c.Fraction:P0} of the run: kernel scale {c.Correction.KernelScale:F3} ± {c.Estimate.KernelScaleStdErr:F3}, per-prefill-step cost {c.Correction.PrefillStepSeconds * 1e3:F2} ± {c.Estimate.PrefillStepStdErr * 1e3:F2} ms (± one standard error, {c.Estimate.Windows} decode windows); scored on the other {c.Scored}");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("scored requests");
        foreach (var h in new[] { "uncalibrated mean", "p50", "calibrated mean", "p50" }) t.AddColumn(new TableColumn(h).RightAligned());
        foreach (var (u, k) in new[] { (c.Ttft, c.CalibratedTtft), (c.Tpot, c.CalibratedTpot), (c.E2e, c.CalibratedE2e) })
            t.AddRow($"{u.Name} error", Pct(u.ErrorPct.Mean), Pct(u.ErrorPct.P50), Pct(k.ErrorPct.Mean), Pct(k.ErrorPct.P50));
        console.Write(t);
    }

    private static string F(double x) => x.ToString(x >= 100 ? "F1" : "F3", System.Globalization.CultureInfo.InvariantCulture);
    private static string Pct(double x) => $"{x:+0.0;-0.0;0.0}%";

    private static void WriteJson(string path, BenchValidation v, BenchCalibration? calibration)
    {
        using var f = File.Create(path);
        JsonSerializer.Serialize(f, BenchValidationJson.From(v, calibration), CliJsonContext.Default.BenchValidationJson);
    }

    private static void WriteRequests(string path, BenchValidation v)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("request_id,prompt_tokens,output_tokens,measured_queue_s,simulated_queue_s,measured_ttft_s,simulated_ttft_s,measured_tpot_s,simulated_tpot_s,measured_e2e_s,simulated_e2e_s,simulated_preemptions");
        foreach (var (m, s) in v.Pairs)
            w.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{m.Id},{m.PromptTokens},{m.OutputTokens},{m.ScheduledTs - m.QueuedTs:R},{s.ScheduledTime - s.QueuedTime:R},{m.Ttft:R},{s.EngineTtftSeconds:R},{m.Tpot ?? 0:R},{s.TpotSeconds:R},{m.E2e:R},{s.EngineE2eSeconds:R},{s.Preemptions}"));
    }

    private static void WriteSeries(string path, BenchValidation v)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("t,measured_running,simulated_running,measured_waiting,simulated_waiting,measured_kv_pct,simulated_kv_pct,measured_prompt_tps,simulated_prompt_tps,measured_gen_tps,simulated_gen_tps");
        static string F(double? x) => x is { } v ? v.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "";
        foreach (var (m, s) in v.Ticks)
            w.WriteLine($"{F(m.Time)},{F(m.Running)},{F(s.Running)},{F(m.Waiting)},{F(s.Waiting)},{F(m.KvCachePct)},{F(s.KvCachePct)},{F(m.PromptThroughput)},{F(s.PromptThroughput)},{F(m.GenThroughput)},{F(s.GenThroughput)}");
    }

}
