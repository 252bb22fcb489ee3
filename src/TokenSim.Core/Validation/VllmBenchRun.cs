using System.Globalization;
using System.Text.Json;
using TokenSim.Core.Entities;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Validation;

/// <summary>
/// A measured vLLM serving run in LLMServingSim's bench layout: <c>meta.json</c> (model and engine settings),
/// <c>requests.jsonl</c> (per-request engine timestamps), <c>timeseries.csv</c> (per-tick running, waiting, KV%)
/// and, as a fallback for hardware and memory, <c>config.json</c> (the cluster as LLMServingSim describes it).
/// </summary>
public sealed record VllmBenchRun
{
    public required string Directory { get; init; }
    public required string ModelId { get; init; }
    public required string HardwareName { get; init; }
    /// <summary>Device memory in bytes as the run recorded it, or null to take the catalog's driver-reported figure.</summary>
    public long? DeviceMemoryBytes { get; init; }
    public required EngineConfig Engine { get; init; }
    public required bool PrefixCaching { get; init; }
    public required int DataParallel { get; init; }
    public required bool ExpertParallel { get; init; }
    public required IReadOnlyList<MeasuredRequest> Requests { get; init; }
    public required IReadOnlyList<MeasuredTick> TimeSeries { get; init; }
    /// <summary>Seconds from the time series' zero to the first request's queued time (0 when unknown).</summary>
    public double SeriesOffset { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static VllmBenchRun Read(string dir)
    {
        if (!System.IO.Directory.Exists(dir)) throw new DirectoryNotFoundException($"--run: '{dir}' does not exist.");
        var metaPath = Path.Combine(dir, "meta.json");
        if (!File.Exists(metaPath)) throw new FileNotFoundException($"{dir}: no meta.json (a measured run needs its engine settings).", metaPath);
        using var meta = ParseJson(metaPath);
        var m = meta.RootElement;
        var kwargs = m.TryGetProperty("engine_kwargs", out var k) && k.ValueKind == JsonValueKind.Object ? k
            : throw new FormatException($"{metaPath}: field 'engine_kwargs' is missing or not an object.");
        string model = Str(m, "model") ?? Str(kwargs, "model") ?? throw new FormatException($"{metaPath}: field 'model' is missing.");
        var notes = new List<string>();

        // Hardware: meta.json's hardware object when present, else the first instance of config.json.
        string? hwName = null;
        long? memBytes = null;
        double? memUtil = null;
        if (m.TryGetProperty("hardware", out var hw) && hw.ValueKind == JsonValueKind.Object)
        {
            hwName = Str(hw, "device_name");
            memBytes = Long(hw, "device_total_memory_bytes", metaPath);
        }
        var configPath = Path.Combine(dir, "config.json");
        if (File.Exists(configPath))
        {
            using var cfg = ParseJson(configPath);
            if (cfg.RootElement.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array)
                foreach (var node in nodes.EnumerateArray())
                    if (node.TryGetProperty("instances", out var inst) && inst.ValueKind == JsonValueKind.Array)
                        foreach (var i in inst.EnumerateArray())
                        {
                            hwName ??= Str(i, "hardware");
                            if (i.TryGetProperty("npu_mem", out var mem) && mem.TryGetProperty("mem_util", out var u) && u.TryGetDouble(out var ud)) memUtil ??= ud;
                            goto found;
                        }
            found:;
        }
        if (hwName is null) throw new FormatException($"{dir}: the GPU is named neither in meta.json's 'hardware.device_name' nor in config.json's nodes[].instances[].hardware.");

        bool prefix = true;
        int blockSize = 16;
        double util = memUtil ?? 0.9;
        int? blocks = null;
        if (m.TryGetProperty("kv_cache", out var kv) && kv.ValueKind == JsonValueKind.Object)
        {
            blocks = (int?)Long(kv, "num_gpu_blocks", metaPath);
            blockSize = (int?)Long(kv, "block_size", metaPath) ?? blockSize;
            if (kv.TryGetProperty("gpu_memory_utilization", out var gu) && gu.TryGetDouble(out var gud)) util = gud;
            if (kv.TryGetProperty("enable_prefix_caching", out var pc) && pc.ValueKind is JsonValueKind.True or JsonValueKind.False) prefix = pc.GetBoolean();
        }
        else notes.Add("meta.json records no kv_cache: vLLM 0.19 defaults (prefix caching on, block size 16) and the derived block count are used");

        var engine = new EngineConfig
        {
            TensorParallel = (int?)Long(kwargs, "tensor_parallel_size", metaPath) ?? 1,
            MaxNumSeqs = (int?)Long(kwargs, "max_num_seqs", metaPath),
            MaxNumBatchedTokens = (int?)Long(kwargs, "max_num_batched_tokens", metaPath),
            MaxModelLen = (int?)Long(kwargs, "max_model_len", metaPath),
            KvCacheDType = Str(kwargs, "kv_cache_dtype") is { } kvd && kvd != "auto" ? kvd : null,
            BlockSize = blockSize,
            GpuMemoryUtilization = util,
            KvBlocks = blocks,
            Scheduler = "vllm-v1",
            DataParallel = (int?)Long(kwargs, "data_parallel_size", metaPath) ?? 1,
            ExpertParallel = kwargs.TryGetProperty("enable_expert_parallel", out var epk) && epk.ValueKind == JsonValueKind.True,
        };
        var requests = ReadRequests(Path.Combine(dir, "requests.jsonl"));
        var series = ReadSeries(Path.Combine(dir, "timeseries.csv"));
        double offset = 0;
        if (Str(m, "started_at") is { } started && DateTimeOffset.TryParse(started, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var startedAt)
            && FirstArrivalEpoch(Path.Combine(dir, "requests.jsonl")) is { } firstArrival)
            offset = firstArrival - startedAt.ToUnixTimeMilliseconds() / 1000.0;
        return new VllmBenchRun
        {
            Directory = dir, ModelId = model, HardwareName = hwName, DeviceMemoryBytes = memBytes, Engine = engine,
            PrefixCaching = prefix, DataParallel = (int?)Long(kwargs, "data_parallel_size", metaPath) ?? 1,
            ExpertParallel = kwargs.TryGetProperty("enable_expert_parallel", out var ep) && ep.ValueKind == JsonValueKind.True,
            Requests = requests, TimeSeries = series, SeriesOffset = Math.Max(0, offset), Notes = notes,
        };
    }

    private static List<MeasuredRequest> ReadRequests(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist (a measured run needs per-request timestamps).", path);
        var list = new List<MeasuredRequest>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new WorkloadFormatException(path, line, null, $"not valid JSON ({e.Message})"); }
            using (doc)
            {
                var o = doc.RootElement;
                double Num(string f) => o.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
                    : throw new WorkloadFormatException(path, line, f, "missing or not a number");
                int Count(string f) => o.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= 0 ? i
                    : throw new WorkloadFormatException(path, line, f, "missing or not a non-negative integer");
                var r = new MeasuredRequest(o.TryGetProperty("request_id", out var id) ? id.ToString() : $"line-{line}",
                    Count("input_toks"), Count("output_toks"), Num("queued_ts"), Num("scheduled_ts"), Num("first_token_ts"), Num("last_token_ts"));
                if (!(r.QueuedTs <= r.ScheduledTs && r.ScheduledTs <= r.FirstTokenTs && r.FirstTokenTs <= r.LastTokenTs))
                    throw new WorkloadFormatException(path, line, null, "timestamps are not ordered queued <= scheduled <= first_token <= last_token");
                list.Add(r);
            }
        }
        if (list.Count == 0) throw new WorkloadFormatException(path, 1, null, "no requests");
        return list;
    }

    private static double? FirstArrivalEpoch(string path)
    {
        double? min = null;
        foreach (var text in File.ReadLines(path))
        {
            if (text.Trim().Length == 0) continue;
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.TryGetProperty("arrival_time", out var a) && a.TryGetDouble(out var v)) min = min is null ? v : Math.Min(min.Value, v);
        }
        return min;
    }

    private static List<MeasuredTick> ReadSeries(string path)
    {
        if (!File.Exists(path)) return [];
        var table = ExecutionTime.Profiles.CsvTable.Read(path);
        int t = table.Column("t");
        int Opt(string c) => table.Has(c) ? table.Column(c) : -1;
        int run = Opt("running"), wait = Opt("waiting"), kv = Opt("kv_cache_pct"), pt = Opt("prompt_throughput"), gt = Opt("gen_throughput");
        var ticks = table.Rows.Select(r => new MeasuredTick(table.Number(r.Line, r.Cells, t),
            run >= 0 ? table.Number(r.Line, r.Cells, run) : null,
            wait >= 0 ? table.Number(r.Line, r.Cells, wait) : null,
            kv >= 0 ? table.Number(r.Line, r.Cells, kv) : null,
            pt >= 0 ? table.Number(r.Line, r.Cells, pt) : null,
            gt >= 0 ? table.Number(r.Line, r.Cells, gt) : null)).ToList();
        // A series that is zero throughout was not recorded (this run's kv_cache_pct): absent, not zero.
        if (kv >= 0 && ticks.All(x => x.KvCachePct == 0)) ticks = ticks.Select(x => x with { KvCachePct = null }).ToList();
        return ticks;
    }

    private static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new FormatException($"{path}: line {e.LineNumber + 1}: not valid JSON: {e.Message}", e); }
    }

    private static string? Str(JsonElement o, string f) => o.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement o, string f, string source)
    {
        if (!o.TryGetProperty(f, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l
            : throw new FormatException($"{source}: field '{f}' must be an integer or null (got {v.GetRawText()}).");
    }
}
