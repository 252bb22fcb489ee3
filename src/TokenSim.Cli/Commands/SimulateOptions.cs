using TokenSim.Core.Simulation;
using System.CommandLine;
using System.Globalization;

namespace TokenSim.Cli.Commands;

/// <summary>
/// The options <c>simulate</c> takes, shared with <c>emulate</c> (which serves one engine per replica, so it takes the
/// engine options but not those of a batch run: workload, outputs, routing).
/// </summary>
internal sealed class SimulateOptions
{
    public readonly Option<string?> Config = new Option<string?>("--config") { Description = "YAML file holding any of these options (flags override it)." };
    public readonly Option<string?> Model = new Option<string?>("--model") { Description = "Catalog name, Hugging Face id, or path to a config.json. Default llama-2-7b." };
    public readonly Option<string?> Hardware = new Option<string?>("--hardware") { Description = "Catalog GPU name or alias, or a YAML file describing your own. Default a100-80g." };
    public readonly Option<int?> Tp = new Option<int?>("--tp") { Description = "Tensor-parallel degree. Default 1." };
    public readonly Option<int?> Pp = new Option<int?>("--pp") { Description = "Pipeline-parallel degree. Default 1." };
    public readonly Option<int?> Replicas = new Option<int?>("--replicas") { Description = "Independent engine replicas behind the router. Default 1." };
    public readonly Option<string?> Scheduler = new Option<string?>("--scheduler") { Description = "Replica scheduler: vllm-v1 (alias vllm, default) or vllm-v0." };
    public readonly Option<string?> Router = new Option<string?>("--router") { Description = "Request router across replicas. Default round-robin." };
    public readonly Option<int?> MaxSeqs = new Option<int?>("--max-num-seqs") { Description = "vLLM max_num_seqs. Default by GPU as vllm serve: 1024 (>=70 GiB, not A100) or 256." };
    public readonly Option<int?> MaxTokens = new Option<int?>("--max-num-batched-tokens") { Description = "vLLM max_num_batched_tokens. Default by GPU as vllm serve: 8192 or 2048." };
    public readonly Option<int?> MaxLen = new Option<int?>("--max-model-len") { Description = "Context limit. Default the model's max_position_embeddings." };
    public readonly Option<int?> BlockSize = new Option<int?>("--block-size") { Description = "Tokens per KV block. Default 16." };
    public readonly Option<double?> Util = new Option<double?>("--gpu-memory-utilization") { Description = "Fraction of GPU memory vLLM may use. Default 0.9." };
    public readonly Option<int?> KvBlocks = new Option<int?>("--kv-blocks") { Description = "GPU KV blocks per replica (vLLM num_gpu_blocks_override) instead of deriving them." };
    public readonly Option<string?> Perf = new Option<string?>("--perf-model") { Description = "Execution-time model: roofline (default), profile:DIR (measured operator tables), or roofline:calibrate=DIR (roofline factors fitted to a profile)." };
    public readonly Option<bool?> Prefix = new Option<bool?>("--prefix-caching") { Description = "vLLM prefix caching (true/false). Default: on for vllm-v1, off for vllm-v0." };
    public readonly Option<bool?> AsyncSched = new Option<bool?>("--async-scheduling") { Description = "vLLM async scheduling (true/false). Default: on for vllm-v1 (vLLM 0.19)." };
    public readonly Option<bool> Eager = new Option<bool>("--enforce-eager") { Description = "No CUDA graphs (vLLM --enforce-eager): no token padding." };
    public readonly Option<bool> ExactSteps = new Option<bool>("--exact-steps") { Description = "Process every engine step as its own event instead of advancing runs of decode steps in one go (same results, slower; the reference the skip is tested against)." };
    public readonly Option<string?> Preemption = new Option<string?>("--preemption") { Description = "recompute (default, vLLM V1), swap (vLLM V0: copy KV out and back) or swap-lazy (copy out only when the blocks are needed)." };
    public readonly Option<string?> SwapTarget = new Option<string?>("--swap-target") { Description = "Where swapped KV goes: cpu (over PCIe, default) or remote (a peer GPU over NVLink/network)." };
    public readonly Option<double?> SwapSpace = new Option<double?>("--swap-space-gib") { Description = "Swap space per GPU in GiB (default 4, vLLM V0's swap_space)." };
    public readonly Option<int?> Chunk = new Option<int?>("--chunk-size") { Description = "Sarathi-Serve's token budget per step (default 512)." };
    public readonly Option<string?> Predictor = new Option<string?>("--length-predictor") { Description = "Output-length predictor for sjf/srpt: oracle (default) or noisy:SIGMA." };
    public readonly Option<string?> Workload = new Option<string?>("--workload") { Description = $"A trace file, or poisson:rate=R,n=N[,lengths=FILE], gamma:rate=R,cv=C,n=N, burst:n=N,input=I,output=O, closed:concurrency=C,n=N,input=I,output=O. Default {SimulateSettings.DefaultWorkload} with Azure conversation lengths." };
    public readonly Option<ulong?> Seed = new Option<ulong?>("--seed") { Description = "Random seed. Default 42." };
    public readonly Option<string?> Json = new Option<string?>("--json") { Description = "Write the summary as JSON to this file." };
    public readonly Option<string?> RequestsCsv = new Option<string?>("--requests-csv") { Description = "Write one row per request to this CSV file." };
    public readonly Option<string?> TimeseriesCsv = new Option<string?>("--timeseries-csv") { Description = "Write per-replica running, waiting and KV use over time to this CSV file." };
    public readonly Option<string?> Trace = new Option<string?>("--trace") { Description = "Write a Chrome/Perfetto trace of every step and request lifetime to this JSON file." };
    public readonly Option<string?> Plots = new Option<string?>("--plots") { Description = "Write PNG plots (latency CDFs, KV use, running and waiting over time, batch sizes) to this folder." };
    public readonly Option<string[]> Plugin = new("--plugin") { Description = "Load policies from a .NET assembly implementing ITokenSimPlugin (repeatable): see examples/." };
    public readonly Option<double?> Watermark = new("--watermark") { Description = "Share of KV blocks admission keeps free (V0: 0.01, V1: none)." };
    public readonly Option<string?> KvManager = new Option<string?>("--kv-cache-manager") { Description = "KV-cache manager by name: paged or prefix-caching (default by --prefix-caching), or one a plugin adds." };
    public readonly Option<int?> DecodeReplicas = new Option<int?>("--decode-replicas") { Description = "Disaggregate prefill and decode (Splitwise/DistServe): --replicas prefill, this many decode." };
    public readonly Option<string?> DecodeHardware = new Option<string?>("--decode-hardware") { Description = "GPU of the decode pool (default --hardware)." };
    public readonly Option<int?> DecodeTp = new Option<int?>("--decode-tp") { Description = "TP degree of the decode pool (default --tp)." };
    public readonly Option<string?> KvLink = new Option<string?>("--kv-transfer-link") { Description = "Link KV crosses from prefill to decode: network (default), nvlink or pcie of the prefill GPU." };
    public readonly Option<int?> Dp = new Option<int?>("--dp") { Description = "vLLM data_parallel_size: engine ranks per replica (MoE ranks step together)." };
    public readonly Option<bool> Ep = new Option<bool>("--enable-expert-parallel") { Description = "Split MoE experts over the TP × DP GPUs, with all-to-all dispatch and combine." };
    public readonly Option<int?> CpuCache = new Option<int?>("--cpu-cache-blocks") { Description = "Host-memory prefix-cache tier in blocks: evicted cached blocks go there, and hits on them are fetched back over PCIe." };
    public readonly Option<string?> Eviction = new Option<string?>("--prefix-eviction") { Description = "Prefix-cache eviction order: lru (vLLM, default), fifo or lfu." };
    public readonly Option<double?> Interval = new Option<double?>("--timeseries-interval") { Description = "Sampling period of --timeseries-csv in simulated seconds. Default 1." };

    /// <summary>Adds the engine options, and with <paramref name="run"/> also those of an offline run.</summary>
    public void AddTo(Command cmd, bool run)
    {
        cmd.Options.Add(Config);
        cmd.Options.Add(Model);
        cmd.Options.Add(Hardware);
        cmd.Options.Add(Tp);
        cmd.Options.Add(Pp);
        if (run) cmd.Options.Add(Replicas);
        cmd.Options.Add(Scheduler);
        if (run) cmd.Options.Add(Router);
        cmd.Options.Add(MaxSeqs);
        cmd.Options.Add(MaxTokens);
        cmd.Options.Add(MaxLen);
        cmd.Options.Add(BlockSize);
        cmd.Options.Add(Util);
        cmd.Options.Add(KvBlocks);
        cmd.Options.Add(Perf);
        cmd.Options.Add(Prefix);
        cmd.Options.Add(AsyncSched);
        cmd.Options.Add(Eager);
        cmd.Options.Add(Preemption);
        cmd.Options.Add(SwapTarget);
        cmd.Options.Add(SwapSpace);
        cmd.Options.Add(Chunk);
        cmd.Options.Add(Predictor);
        if (run) cmd.Options.Add(Workload);
        if (run) cmd.Options.Add(Seed);
        if (run) cmd.Options.Add(Json);
        if (run) cmd.Options.Add(RequestsCsv);
        if (run) cmd.Options.Add(TimeseriesCsv);
        if (run) cmd.Options.Add(Trace);
        if (run) cmd.Options.Add(Plots);
        cmd.Options.Add(KvManager);
        cmd.Options.Add(Plugin);
        cmd.Options.Add(Watermark);
        if (run) cmd.Options.Add(DecodeReplicas);
        if (run) cmd.Options.Add(DecodeHardware);
        if (run) cmd.Options.Add(DecodeTp);
        if (run) cmd.Options.Add(KvLink);
        cmd.Options.Add(Dp);
        cmd.Options.Add(Ep);
        cmd.Options.Add(CpuCache);
        cmd.Options.Add(Eviction);
        if (run) cmd.Options.Add(Interval);
        if (run) cmd.Options.Add(ExactSteps);
    }

    /// <summary>Settings from the config file (if any), then every flag given on the command line.</summary>
    public SimulateSettings Read(ParseResult parse)
    {
        var s = new SimulateSettings();
        if (parse.GetValue(Config) is { } path) YamlConfig.Apply(path, s);
        if (parse.GetValue(Model) is { } v1) s.Model = v1;
        if (parse.GetValue(Hardware) is { } v2) s.Hardware = v2;
        if (parse.GetValue(Tp) is { } v3) s.Tp = v3;
        if (parse.GetValue(Pp) is { } v4) s.Pp = v4;
        if (parse.GetValue(Replicas) is { } v5) s.Replicas = v5;
        if (parse.GetValue(Scheduler) is { } v6) s.Scheduler = v6;
        if (parse.GetValue(Router) is { } v7) s.Router = v7;
        if (parse.GetValue(MaxSeqs) is { } v8) s.MaxNumSeqs = v8;
        if (parse.GetValue(MaxTokens) is { } v9) s.MaxNumBatchedTokens = v9;
        if (parse.GetValue(MaxLen) is { } v10) s.MaxModelLen = v10;
        if (parse.GetValue(BlockSize) is { } v11) s.BlockSize = v11;
        if (parse.GetValue(Util) is { } v12) s.GpuMemoryUtilization = v12;
        if (parse.GetValue(KvBlocks) is { } v13) s.KvBlocks = v13;
        if (parse.GetValue(Perf) is { } p1) s.PerfModel = p1;
        if (parse.GetValue(Prefix) is { } p2) s.PrefixCaching = p2;
        if (parse.GetValue(AsyncSched) is { } p3) s.AsyncScheduling = p3;
        if (parse.GetValue(Eager)) s.EnforceEager = true;
        if (parse.GetValue(ExactSteps)) s.ExactSteps = true;
        if (parse.GetValue(Preemption) is { } q1) s.Preemption = q1;
        if (parse.GetValue(SwapTarget) is { } q2) s.SwapTarget = q2;
        if (parse.GetValue(SwapSpace) is { } q3) s.SwapSpaceGib = q3;
        if (parse.GetValue(Chunk) is { } q4) s.ChunkSize = q4;
        if (parse.GetValue(Predictor) is { } q5) s.LengthPredictor = q5;
        if (parse.GetValue(Workload) is { } v14) s.Workload = v14;
        if (parse.GetValue(Seed) is { } v15) s.Seed = v15;
        if (parse.GetValue(Json) is { } v16) s.Json = v16;
        if (parse.GetValue(RequestsCsv) is { } v17) s.RequestsCsv = v17;
        if (parse.GetValue(TimeseriesCsv) is { } v18) s.TimeseriesCsv = v18;
        if (parse.GetValue(Interval) is { } v19) s.TimeseriesInterval = v19;
        if (parse.GetValue(Trace) is { } v20) s.Trace = v20;
        if (parse.GetValue(Plots) is { } v21) s.Plots = v21;
        if (parse.GetValue(KvManager) is { } v22) s.KvCacheManager = v22;
        if (parse.GetValue(Plugin) is { } v23) s.Plugins.AddRange(v23);
        if (parse.GetValue(DecodeReplicas) is { } d1) s.DecodeReplicas = d1;
        if (parse.GetValue(DecodeHardware) is { } d2) s.DecodeHardware = d2;
        if (parse.GetValue(DecodeTp) is { } d3) s.DecodeTp = d3;
        if (parse.GetValue(KvLink) is { } d4) s.KvTransferLink = d4;
        if (parse.GetValue(Dp) is { } d5) s.Dp = d5;
        if (parse.GetValue(Ep)) s.ExpertParallel = true;
        if (parse.GetValue(Watermark) is { } w1) s.Watermark = w1;
        if (parse.GetValue(CpuCache) is { } w2) s.CpuCacheBlocks = w2;
        if (parse.GetValue(Eviction) is { } w3) s.PrefixEviction = w3;
        return s;
    }
}
