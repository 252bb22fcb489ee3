using System.CommandLine;
using System.Globalization;

namespace TokenSim.Cli.Commands;

/// <summary><c>tokensim simulate</c>: one offline run of a deployment against a workload.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "YAML file holding any of these options (flags override it)." };
        var model = new Option<string?>("--model") { Description = "Catalog name, Hugging Face id, or path to a config.json. Default llama-2-7b." };
        var hardware = new Option<string?>("--hardware") { Description = "Catalog GPU name or alias, or a YAML file describing your own. Default a100-80g." };
        var tp = new Option<int?>("--tp") { Description = "Tensor-parallel degree. Default 1." };
        var pp = new Option<int?>("--pp") { Description = "Pipeline-parallel degree. Default 1." };
        var replicas = new Option<int?>("--replicas") { Description = "Independent engine replicas behind the router. Default 1." };
        var scheduler = new Option<string?>("--scheduler") { Description = "Replica scheduler: vllm-v1 (alias vllm, default) or vllm-v0." };
        var router = new Option<string?>("--router") { Description = "Request router across replicas. Default round-robin." };
        var maxSeqs = new Option<int?>("--max-num-seqs") { Description = "vLLM max_num_seqs. Default by GPU as vllm serve: 1024 (>=70 GiB, not A100) or 256." };
        var maxTokens = new Option<int?>("--max-num-batched-tokens") { Description = "vLLM max_num_batched_tokens. Default by GPU as vllm serve: 8192 or 2048." };
        var maxLen = new Option<int?>("--max-model-len") { Description = "Context limit. Default the model's max_position_embeddings." };
        var blockSize = new Option<int?>("--block-size") { Description = "Tokens per KV block. Default 16." };
        var util = new Option<double?>("--gpu-memory-utilization") { Description = "Fraction of GPU memory vLLM may use. Default 0.9." };
        var kvBlocks = new Option<int?>("--kv-blocks") { Description = "GPU KV blocks per replica (vLLM num_gpu_blocks_override) instead of deriving them." };
        var perf = new Option<string?>("--perf-model") { Description = "Execution-time model: roofline (default), profile:DIR (measured operator tables), or roofline:calibrate=DIR (roofline factors fitted to a profile)." };
        var prefix = new Option<bool?>("--prefix-caching") { Description = "vLLM prefix caching (true/false). Default: on for vllm-v1, off for vllm-v0." };
        var asyncSched = new Option<bool?>("--async-scheduling") { Description = "vLLM async scheduling (true/false). Default: on for vllm-v1 (vLLM 0.19)." };
        var eager = new Option<bool>("--enforce-eager") { Description = "No CUDA graphs (vLLM --enforce-eager): no token padding." };
        var preemption = new Option<string?>("--preemption") { Description = "recompute (default, vLLM V1), swap (vLLM V0: copy KV out and back) or swap-lazy (copy out only when the blocks are needed)." };
        var swapTarget = new Option<string?>("--swap-target") { Description = "Where swapped KV goes: cpu (over PCIe, default) or remote (a peer GPU over NVLink/network)." };
        var swapSpace = new Option<double?>("--swap-space-gib") { Description = "Swap space per GPU in GiB (default 4, vLLM V0's swap_space)." };
        var chunk = new Option<int?>("--chunk-size") { Description = "Sarathi-Serve's token budget per step (default 512)." };
        var predictor = new Option<string?>("--length-predictor") { Description = "Output-length predictor for sjf/srpt: oracle (default) or noisy:SIGMA." };
        var workload = new Option<string?>("--workload") { Description = $"A trace file, or poisson:rate=R,n=N[,lengths=FILE], gamma:rate=R,cv=C,n=N, burst:n=N,input=I,output=O, closed:concurrency=C,n=N,input=I,output=O. Default {SimulateSettings.DefaultWorkload} with Azure conversation lengths." };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed. Default 42." };
        var json = new Option<string?>("--json") { Description = "Write the summary as JSON to this file." };
        var requestsCsv = new Option<string?>("--requests-csv") { Description = "Write one row per request to this CSV file." };
        var timeseriesCsv = new Option<string?>("--timeseries-csv") { Description = "Write per-replica running, waiting and KV use over time to this CSV file." };
        var trace = new Option<string?>("--trace") { Description = "Write a Chrome/Perfetto trace of every step and request lifetime to this JSON file." };
        var plots = new Option<string?>("--plots") { Description = "Write PNG plots (latency CDFs, KV use, running and waiting over time, batch sizes) to this folder." };
        var kvManager = new Option<string?>("--kv-cache-manager") { Description = "KV-cache manager by name: paged or prefix-caching (default by --prefix-caching), or one a plugin adds." };
        var plugin = new Option<string[]>("--plugin") { Description = "Load policies from a .NET assembly implementing ITokenSimPlugin (repeatable); see examples/." };
        var decodeReplicas = new Option<int?>("--decode-replicas") { Description = "Disaggregate prefill and decode (Splitwise/DistServe): --replicas prefill, this many decode." };
        var decodeHardware = new Option<string?>("--decode-hardware") { Description = "GPU of the decode pool (default --hardware)." };
        var decodeTp = new Option<int?>("--decode-tp") { Description = "TP degree of the decode pool (default --tp)." };
        var kvLink = new Option<string?>("--kv-transfer-link") { Description = "Link KV crosses from prefill to decode: network (default), nvlink or pcie of the prefill GPU." };
        var dp = new Option<int?>("--dp") { Description = "vLLM data_parallel_size: engine ranks per replica (MoE ranks step together)." };
        var ep = new Option<bool>("--enable-expert-parallel") { Description = "Split MoE experts over the TP × DP GPUs, with all-to-all dispatch and combine." };
        var watermark = new Option<double?>("--watermark") { Description = "Share of KV blocks admission keeps free (V0: 0.01; V1: none)." };
        var cpuCache = new Option<int?>("--cpu-cache-blocks") { Description = "Host-memory prefix-cache tier in blocks: evicted cached blocks go there, and hits on them are fetched back over PCIe." };
        var eviction = new Option<string?>("--prefix-eviction") { Description = "Prefix-cache eviction order: lru (vLLM, default), fifo or lfu." };
        var interval = new Option<double?>("--timeseries-interval") { Description = "Sampling period of --timeseries-csv in simulated seconds. Default 1." };

        var cmd = new Command("simulate", "Simulate a deployment against a workload and report TTFT, TPOT, ITL, E2E, throughput, preemptions and KV use.")
        {
            config, model, hardware, tp, pp, replicas, scheduler, router, maxSeqs, maxTokens, maxLen, blockSize, util, kvBlocks, perf, prefix, asyncSched, eager,
            preemption, swapTarget, swapSpace, chunk, predictor,
            workload, seed, json, requestsCsv, timeseriesCsv, interval, trace, plots, kvManager, plugin,
            decodeReplicas, decodeHardware, decodeTp, kvLink, dp, ep, watermark, cpuCache, eviction,
        };
        cmd.SetAction(parse =>
        {
            var s = new SimulateSettings();
            if (parse.GetValue(config) is { } path) YamlConfig.Apply(path, s);
            if (parse.GetValue(model) is { } v1) s.Model = v1;
            if (parse.GetValue(hardware) is { } v2) s.Hardware = v2;
            if (parse.GetValue(tp) is { } v3) s.Tp = v3;
            if (parse.GetValue(pp) is { } v4) s.Pp = v4;
            if (parse.GetValue(replicas) is { } v5) s.Replicas = v5;
            if (parse.GetValue(scheduler) is { } v6) s.Scheduler = v6;
            if (parse.GetValue(router) is { } v7) s.Router = v7;
            if (parse.GetValue(maxSeqs) is { } v8) s.MaxNumSeqs = v8;
            if (parse.GetValue(maxTokens) is { } v9) s.MaxNumBatchedTokens = v9;
            if (parse.GetValue(maxLen) is { } v10) s.MaxModelLen = v10;
            if (parse.GetValue(blockSize) is { } v11) s.BlockSize = v11;
            if (parse.GetValue(util) is { } v12) s.GpuMemoryUtilization = v12;
            if (parse.GetValue(kvBlocks) is { } v13) s.KvBlocks = v13;
            if (parse.GetValue(perf) is { } p1) s.PerfModel = p1;
            if (parse.GetValue(prefix) is { } p2) s.PrefixCaching = p2;
            if (parse.GetValue(asyncSched) is { } p3) s.AsyncScheduling = p3;
            if (parse.GetValue(eager)) s.EnforceEager = true;
            if (parse.GetValue(preemption) is { } q1) s.Preemption = q1;
            if (parse.GetValue(swapTarget) is { } q2) s.SwapTarget = q2;
            if (parse.GetValue(swapSpace) is { } q3) s.SwapSpaceGib = q3;
            if (parse.GetValue(chunk) is { } q4) s.ChunkSize = q4;
            if (parse.GetValue(predictor) is { } q5) s.LengthPredictor = q5;
            if (parse.GetValue(workload) is { } v14) s.Workload = v14;
            if (parse.GetValue(seed) is { } v15) s.Seed = v15;
            if (parse.GetValue(json) is { } v16) s.Json = v16;
            if (parse.GetValue(requestsCsv) is { } v17) s.RequestsCsv = v17;
            if (parse.GetValue(timeseriesCsv) is { } v18) s.TimeseriesCsv = v18;
            if (parse.GetValue(interval) is { } v19) s.TimeseriesInterval = v19;
            if (parse.GetValue(trace) is { } v20) s.Trace = v20;
            if (parse.GetValue(plots) is { } v21) s.Plots = v21;
            if (parse.GetValue(kvManager) is { } v22) s.KvCacheManager = v22;
            if (parse.GetValue(plugin) is { } v23) s.Plugins.AddRange(v23);
            if (parse.GetValue(decodeReplicas) is { } d1) s.DecodeReplicas = d1;
            if (parse.GetValue(decodeHardware) is { } d2) s.DecodeHardware = d2;
            if (parse.GetValue(decodeTp) is { } d3) s.DecodeTp = d3;
            if (parse.GetValue(kvLink) is { } d4) s.KvTransferLink = d4;
            if (parse.GetValue(dp) is { } d5) s.Dp = d5;
            if (parse.GetValue(ep)) s.ExpertParallel = true;
            if (parse.GetValue(watermark) is { } w1) s.Watermark = w1;
            if (parse.GetValue(cpuCache) is { } w2) s.CpuCacheBlocks = w2;
            if (parse.GetValue(eviction) is { } w3) s.PrefixEviction = w3;
            if (s.TimeseriesInterval <= 0) throw new ArgumentException($"--timeseries-interval must be positive (got {s.TimeseriesInterval.ToString(CultureInfo.InvariantCulture)}).");
            return SimulationRun.Execute(s);
        });
        return cmd;
    }
}
