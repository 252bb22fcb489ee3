using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Memory;
using TokenSim.Core.Scheduling.Global;
using TokenSim.Core.Scheduling.Replica;
using static TokenSim.Core.Simulation.SettingScope;

namespace TokenSim.Core.Simulation;

/// <summary>
/// Every <see cref="SimulateSettings"/> setting, each described once (name, help, default, known names, binding), in
/// the order <c>simulate --help</c> lists them. A new setting is a property on <see cref="SimulateSettings"/> and one
/// line here: the CLI flag, the <c>--config</c> key and the <c>Simulate</c> option key follow from it.
/// </summary>
public static class SimulateSettingTable
{
    public static IReadOnlyList<SimulateSetting> All { get; } =
    [
        Text("model", "Catalog name, Hugging Face id, or path to a Hugging Face config.json (or a folder holding one).", s => s.Model, (s, v) => s.Model = v,
            known: () => ModelCatalog.Names, valueName: "NAME|PATH"),
        Text("hardware", "Catalog GPU name or alias, or a YAML file in the schema of data/hardware/gpus.yaml describing your own.", s => s.Hardware, (s, v) => s.Hardware = v,
            known: () => HardwareCatalog.Names, valueName: "NAME|FILE"),
        Int("tp", "Tensor-parallel degree.", s => s.Tp, (s, v) => s.Tp = v),
        Int("pp", "Pipeline-parallel degree.", s => s.Pp, (s, v) => s.Pp = v),
        Int("replicas", "Independent engine replicas behind the router.", s => s.Replicas, (s, v) => s.Replicas = v, Run),
        Text("scheduler", "Replica scheduler (docs/policies.md; a plugin adds more).", s => s.Scheduler, (s, v) => s.Scheduler = v,
            known: () => ReplicaSchedulers.Registry.Names),
        Text("router", "Request router across replicas.", s => s.Router, (s, v) => s.Router = v, Run, known: () => GlobalSchedulers.Registry.Names),
        Int("max-num-seqs", "vLLM max_num_seqs.", s => s.MaxNumSeqs, (s, v) => s.MaxNumSeqs = v, defaultText: "by GPU as vllm serve: 1024 (>=70 GiB, not A100) or 256"),
        Int("max-num-batched-tokens", "vLLM max_num_batched_tokens.", s => s.MaxNumBatchedTokens, (s, v) => s.MaxNumBatchedTokens = v, defaultText: "by GPU as vllm serve: 8192 or 2048"),
        Int("max-model-len", "Context limit.", s => s.MaxModelLen, (s, v) => s.MaxModelLen = v, defaultText: "the model's max_position_embeddings"),
        Int("block-size", "Tokens per KV block.", s => s.BlockSize, (s, v) => s.BlockSize = v),
        Double("gpu-memory-utilization", "Fraction of GPU memory vLLM may use.", s => s.GpuMemoryUtilization, (s, v) => s.GpuMemoryUtilization = v),
        Int("kv-blocks", "GPU KV blocks per replica (vLLM num_gpu_blocks_override) instead of deriving them.", s => s.KvBlocks, (s, v) => s.KvBlocks = v,
            defaultText: "derived from GPU memory as vLLM does"),
        Text("perf-model", "Execution-time model: a registered name, profile:DIR (measured operator tables) or roofline:calibrate=DIR (roofline factors fitted to a profile).",
            s => s.PerfModel, (s, v) => s.PerfModel = v, known: () => ExecutionTimeModels.Registry.Names, valueName: "SPEC"),
        Bool("prefix-caching", "vLLM prefix caching (true/false).", s => s.PrefixCaching, (s, v) => s.PrefixCaching = v, defaultText: "on for vllm-v1, off otherwise"),
        Bool("async-scheduling", "vLLM async scheduling (true/false).", s => s.AsyncScheduling, (s, v) => s.AsyncScheduling = v, defaultText: "on for vllm-v1 without PP (vLLM 0.19)"),
        Bool("enforce-eager", "No CUDA graphs (vLLM --enforce-eager): no token padding.", s => s.EnforceEager, (s, v) => s.EnforceEager = v),
        Text("preemption", "What a preempted request's KV does: recompute (vLLM V1), swap (vLLM V0: copy out and back) or swap-lazy (copy out only when the blocks are needed).",
            s => s.Preemption, (s, v) => s.Preemption = v, known: () => ["recompute", "swap", "swap-lazy"]),
        Text("swap-target", "Where swapped KV goes: cpu (over PCIe) or remote (a peer GPU over NVLink/network).", s => s.SwapTarget, (s, v) => s.SwapTarget = v,
            known: () => ["cpu", "remote"]),
        Double("swap-space-gib", "Swap space per GPU in GiB (vLLM V0's swap_space).", s => s.SwapSpaceGib, (s, v) => s.SwapSpaceGib = v, defaultText: "4"),
        Int("chunk-size", "Sarathi-Serve's token budget per step.", s => s.ChunkSize, (s, v) => s.ChunkSize = v, defaultText: "512"),
        Text("length-predictor", "Output-length predictor for sjf/srpt: oracle or noisy:SIGMA (log-normal error).", s => s.LengthPredictor, (s, v) => s.LengthPredictor = v, valueName: "SPEC"),
        Text("workload", "A trace file (Vidur CSV, Azure CSV, Mooncake JSONL, LLMServingSim JSONL; .gz too), or poisson:rate=R,n=N[,lengths=FILE|azure-conv|azure-code][,input=L,output=L], " +
            "gamma:rate=R,cv=C,n=N,..., burst:n=N,input=I,output=O, closed:concurrency=C,n=N,input=I,output=O, " +
            "diurnal:peak=R|scale=F[,day=D,hours=H,cv=C] (measured days of traffic, ServeGen).", s => s.Workload, (s, v) => s.Workload = v, Run,
            defaultText: $"{SimulateSettings.DefaultWorkload} with Azure conversation lengths", valueName: "SPEC|FILE"),
        new SimulateSetting<ulong>("seed", "Random seed: identical inputs and seed give identical output.", "42", Run, null,
            (string r, out ulong v) => ulong.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "a non-negative integer", (s, v) => s.Seed = v),
        Text("json", "Write the summary as JSON to this file.", s => s.Json, (s, v) => s.Json = v, Run, valueName: "FILE"),
        Text("requests-csv", "Write one row per request to this CSV file.", s => s.RequestsCsv, (s, v) => s.RequestsCsv = v, Run, valueName: "FILE"),
        Text("timeseries-csv", "Write per-replica running, waiting and KV use over time to this CSV file.", s => s.TimeseriesCsv, (s, v) => s.TimeseriesCsv = v, Run, valueName: "FILE"),
        Text("trace", "Write a Chrome/Perfetto trace of every step and request lifetime to this JSON file.", s => s.Trace, (s, v) => s.Trace = v, Run, valueName: "FILE"),
        Text("plots", "Write PNG plots (latency CDFs, KV use, running and waiting over time, batch sizes) to this folder.", s => s.Plots, (s, v) => s.Plots = v, Run, valueName: "DIR"),
        Text("kv-cache-manager", "KV-cache manager by name (a plugin adds more).", s => s.KvCacheManager, (s, v) => s.KvCacheManager = v,
            known: () => KvCacheManagers.Registry.Names, defaultText: "by --prefix-caching"),
        // Repeatable: each flag or config line adds an assembly, none replaces the others.
        new SimulateSetting<string[]>("plugin", "Load policies from a .NET assembly implementing ITokenSimPlugin (repeatable): see examples/.", null, Engine, null,
            (string r, out string[] v) => { v = [r]; return true; }, "a path", (s, v) => s.Plugins.AddRange(v)) { ValueName = "DLL" },
        Double("watermark", "Share of KV blocks admission keeps free.", s => s.Watermark, (s, v) => s.Watermark = v, defaultText: "V0: 0.01, V1: none"),
        Int("decode-replicas", "Disaggregate prefill and decode (Splitwise/DistServe): --replicas prefill, this many decode.", s => s.DecodeReplicas, (s, v) => s.DecodeReplicas = v, Run),
        Text("decode-hardware", "GPU of the decode pool.", s => s.DecodeHardware, (s, v) => s.DecodeHardware = v, Run, known: () => HardwareCatalog.Names, defaultText: "--hardware", valueName: "NAME|FILE"),
        Int("decode-tp", "TP degree of the decode pool.", s => s.DecodeTp, (s, v) => s.DecodeTp = v, Run, defaultText: "--tp"),
        Text("kv-transfer-link", "Link KV crosses from prefill to decode (of the prefill GPU).", s => s.KvTransferLink, (s, v) => s.KvTransferLink = v, Run,
            known: () => ["network", "nvlink", "pcie"], defaultText: "network"),
        Int("dp", "vLLM data_parallel_size: engine ranks per replica (MoE ranks step together).", s => s.Dp, (s, v) => s.Dp = v),
        Bool("enable-expert-parallel", "Split MoE experts over the TP × DP GPUs, with all-to-all dispatch and combine.", s => s.ExpertParallel, (s, v) => s.ExpertParallel = v),
        Int("cpu-cache-blocks", "Host-memory prefix-cache tier in blocks: evicted cached blocks go there, and hits on them are fetched back over PCIe.",
            s => s.CpuCacheBlocks, (s, v) => s.CpuCacheBlocks = v),
        Text("prefix-eviction", "Prefix-cache eviction order.", s => s.PrefixEviction, (s, v) => s.PrefixEviction = v, known: () => ["lru", "fifo", "lfu"]),
        Double("timeseries-interval", "Sampling period of --timeseries-csv and --plots in simulated seconds.", s => s.TimeseriesInterval, (s, v) => s.TimeseriesInterval = v, Run),
        Bool("exact-steps", "Process every engine step as its own event instead of advancing runs of decode steps in one go (same results, slower; the reference the skip is tested against).",
            s => s.ExactSteps, (s, v) => s.ExactSteps = v, Run),
        Text("scenario", "A scenario timeline (YAML): replicas lost or added, stragglers, KV loss, slower links, rate spikes, length mixes, router changes, and an autoscaling policy (docs/scenarios.md).",
            s => s.Scenario, (s, v) => s.Scenario = v, Run, valueName: "FILE"),
        Double("cost-per-gpu-hour", "Price of one GPU-hour (any currency): adds the cost per million output tokens to the summary and --json.",
            s => s.CostPerGpuHour, (s, v) => s.CostPerGpuHour = v, Run, defaultText: "none: no cost is reported"),
        Bool("energy", "Meter power and energy per output token (true/false; default true).",
            s => s.Energy, (s, v) => s.Energy = v, Run, defaultText: "true"),
        Text("replicas-csv", "Write the replicas serving and paid for over time (a --scenario's changes and its autoscaler) to this CSV file.", s => s.ReplicasCsv, (s, v) => s.ReplicasCsv = v, Run, valueName: "FILE"),
    ];

    private static readonly Dictionary<string, SimulateSetting> ByName = All.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The setting named <c>max-num-seqs</c> or <c>max_num_seqs</c> (any case); null when there is none.</summary>
    public static SimulateSetting? Find(string name) => ByName.GetValueOrDefault(Key(name));

    /// <summary>A name as the table spells it: <c>Max_Num_Seqs</c> is <c>max-num-seqs</c>.</summary>
    public static string Key(string name) => name.Replace('_', '-').ToLowerInvariant();

    private static SimulateSetting<int> Int(string name, string help, Func<SimulateSettings, int?> get, Action<SimulateSettings, int> set,
        SettingScope scope = Engine, string? defaultText = null) =>
        new(name, help, defaultText ?? Show(get), scope, null,
            (string r, out int v) => int.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "an integer", set);

    private static SimulateSetting<double> Double(string name, string help, Func<SimulateSettings, double?> get, Action<SimulateSettings, double> set,
        SettingScope scope = Engine, string? defaultText = null) =>
        new(name, help, defaultText ?? Show(get), scope, null,
            (string r, out double v) => double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out v), "a number", set);

    private static SimulateSetting<bool> Bool(string name, string help, Func<SimulateSettings, bool?> get, Action<SimulateSettings, bool> set,
        SettingScope scope = Engine, string? defaultText = null) =>
        new(name, help, defaultText ?? Show(get), scope, null, bool.TryParse, "true or false", set);

    private static SimulateSetting<string> Text(string name, string help, Func<SimulateSettings, string?> get, Action<SimulateSettings, string> set,
        SettingScope scope = Engine, Func<IEnumerable<string>>? known = null, string? defaultText = null, string? valueName = null) =>
        new(name, help, defaultText ?? Show(get), scope, known, (string r, out string v) => { v = r; return true; }, "text", set) { ValueName = valueName };

    /// <summary>The default a fresh <see cref="SimulateSettings"/> holds, so help cannot drift from the code.</summary>
    private static string? Show<T>(Func<SimulateSettings, T> get) => get(new SimulateSettings()) switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString(),
    };
}
