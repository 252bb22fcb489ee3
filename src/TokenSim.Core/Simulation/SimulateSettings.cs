using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Simulation;

/// <summary>
/// Every <c>simulate</c> setting, as read from a YAML <c>--config</c> file and then overridden by flags. The CLI, the
/// capacity planner and the server's <c>Simulate</c> build their simulators from it, so a run means the same everywhere.
/// Each property's name, help, default shown and known values are in <see cref="SimulateSettingTable"/>, which the
/// flags, the config keys and <see cref="Set"/> all come from.
/// </summary>
public sealed class SimulateSettings
{
    public const string DefaultWorkload = "poisson:rate=2,n=2000";

    public string Model { get; set; } = "llama-2-7b";
    public string Hardware { get; set; } = "a100-80g";
    public int Tp { get; set; } = 1;
    public int Pp { get; set; } = 1;
    public int Replicas { get; set; } = 1;
    public string Scheduler { get; set; } = "vllm-v1";
    public string Router { get; set; } = "round-robin";
    public int? MaxNumSeqs { get; set; }
    public int? MaxNumBatchedTokens { get; set; }
    public int? MaxModelLen { get; set; }
    public int BlockSize { get; set; } = 16;
    public double GpuMemoryUtilization { get; set; } = 0.9;
    public int? KvBlocks { get; set; }
    public string PerfModel { get; set; } = "roofline";
    public bool? PrefixCaching { get; set; }
    public bool? AsyncScheduling { get; set; }
    public bool EnforceEager { get; set; }
    /// <summary>Every engine step as its own event (<see cref="SimulationOptions.ExactSteps"/>).</summary>
    public bool ExactSteps { get; set; }
    public string Preemption { get; set; } = "recompute";
    public string SwapTarget { get; set; } = "cpu";
    public double? SwapSpaceGib { get; set; }
    public int? ChunkSize { get; set; }
    public string LengthPredictor { get; set; } = "oracle";
    public string Workload { get; set; } = DefaultWorkload;
    public ulong Seed { get; set; } = 42;
    public string? Json { get; set; }
    public string? RequestsCsv { get; set; }
    public string? TimeseriesCsv { get; set; }
    public string? Trace { get; set; }
    public string? Plots { get; set; }
    public string? KvCacheManager { get; set; }
    public List<string> Plugins { get; set; } = [];
    public int DecodeReplicas { get; set; }
    public int Dp { get; set; } = 1;
    public double? Watermark { get; set; }
    public int CpuCacheBlocks { get; set; }
    public string PrefixEviction { get; set; } = "lru";
    public bool ExpertParallel { get; set; }
    public string? DecodeHardware { get; set; }
    public int? DecodeTp { get; set; }
    public string? KvTransferLink { get; set; }
    public double TimeseriesInterval { get; set; } = 1.0;
    /// <summary>Price of one GPU-hour, for the cost per million output tokens; null leaves the cost out.</summary>
    public double? CostPerGpuHour { get; set; }
    /// <summary>Meter energy (<see cref="Energy.EnergyMeter"/>; null: yes).</summary>
    public bool? Energy { get; set; }
    /// <summary>A scenario timeline (YAML, docs/scenarios.md) applied from the start of the run.</summary>
    public string? Scenario { get; set; }
    public string? ReplicasCsv { get; set; }

    public SimulateSettings Clone()
    {
        var c = (SimulateSettings)MemberwiseClone();
        c.Plugins = [.. Plugins];
        return c;
    }

    public EngineConfig ToEngineConfig() => new()
    {
        TensorParallel = Tp, PipelineParallel = Pp, MaxNumSeqs = MaxNumSeqs, MaxNumBatchedTokens = MaxNumBatchedTokens,
        MaxModelLen = MaxModelLen, BlockSize = BlockSize, GpuMemoryUtilization = GpuMemoryUtilization, KvBlocks = KvBlocks,
        Scheduler = Scheduler, EnablePrefixCaching = PrefixCaching, AsyncScheduling = AsyncScheduling, EnforceEager = EnforceEager,
        Preemption = Preemption, SwapTarget = SwapTarget, SwapSpaceBytes = SwapSpaceGib is { } g ? (long)(g * (1L << 30)) : null,
        ChunkSize = ChunkSize, LengthPredictor = LengthPredictor, KvCacheManager = KvCacheManager,
        DataParallel = Dp, ExpertParallel = ExpertParallel, Watermark = Watermark, CpuCacheBlocks = CpuCacheBlocks, PrefixEviction = PrefixEviction,
    };

    /// <summary>
    /// Sets one option by its name (<c>max-num-seqs</c> or <c>max_num_seqs</c>), as a <c>--config</c> file or a
    /// <c>Simulate</c> request gives it, through its <see cref="SimulateSettingTable"/> entry; <paramref name="where"/>
    /// prefixes errors (a file and line, or a field).
    /// </summary>
    public void Set(string name, string raw, string where)
    {
        if (SimulateSettingTable.Find(name) is not { } setting)
        {
            string key = SimulateSettingTable.Key(name);
            string hint = ClosestName.Of(key, SimulateSettingTable.All.Select(s => s.Name)) is { } near ? $" Did you mean '{near}'?" : "";
            throw new FormatException($"{where}: unknown option '{key}'.{hint}");
        }
        setting.Apply(this, raw, where);
    }

    /// <summary>
    /// Refuses the values no simulation is built from (the rest are checked where they are used:
    /// <see cref="ReplicaSpec.Create"/>, the <see cref="Simulator"/>), naming the flag. Cheap: callers check before
    /// they run anything.
    /// </summary>
    public void CheckLimits()
    {
        if (Replicas is < 1 or > EngineLimits.MaxReplicas) throw new ArgumentException($"--replicas must be 1 to {EngineLimits.MaxReplicas:N0} (got {Replicas:N0}).");
        if (DecodeReplicas is < 0 or > EngineLimits.MaxReplicas) throw new ArgumentException($"--decode-replicas must be 0 to {EngineLimits.MaxReplicas:N0} (got {DecodeReplicas:N0}).");
        if (SwapSpaceGib is { } gib && !(gib >= 0 && gib <= EngineLimits.MaxSwapSpaceGib))
            throw new ArgumentException($"--swap-space-gib must be 0 to {EngineLimits.MaxSwapSpaceGib:N0} (got {gib.ToString(CultureInfo.InvariantCulture)}).");
        if (CostPerGpuHour is { } price && !(price > 0 && price <= EngineLimits.MaxCostPerGpuHour))
            throw new ArgumentException($"--cost-per-gpu-hour must be a positive price, at most {EngineLimits.MaxCostPerGpuHour:N0} (got {price.ToString(CultureInfo.InvariantCulture)}).");
        if (!(TimeseriesInterval >= EngineLimits.MinTimeseriesIntervalSeconds && double.IsFinite(TimeseriesInterval)))
            throw new ArgumentException($"--timeseries-interval must be at least {EngineLimits.MinTimeseriesIntervalSeconds.ToString(CultureInfo.InvariantCulture)} s (got {TimeseriesInterval.ToString(CultureInfo.InvariantCulture)}).");
    }

    /// <summary>Builds the simulator these settings describe, with its workload attached.</summary>
    public (Simulator Sim, ReplicaSpec Spec, WorkloadSpec.Built Workload) Build(double timeSeriesInterval = 0) => Build(null, timeSeriesInterval);

    /// <summary>
    /// Builds the simulator these settings describe; <paramref name="workload"/>, when given, replaces
    /// <see cref="Workload"/> (a planner replays one materialised traffic against every candidate).
    /// </summary>
    /// <param name="scenario">Replaces the <see cref="Scenario"/> file (a planner tries many policies on one timeline).</param>
    public (Simulator Sim, ReplicaSpec Spec, WorkloadSpec.Built Workload) Build(WorkloadSpec.Built? workload, double timeSeriesInterval = 0, Scenarios.Scenario? scenario = null)
    {
        CheckLimits();
        foreach (var plugin in Plugins) TokenSim.Core.Plugins.PluginLoader.Load(plugin);
        var model = ModelCatalog.Resolve(Model);
        var hardware = HardwareCatalog.Resolve(Hardware);
        var spec = ReplicaSpec.Create(model, hardware, ToEngineConfig());
        workload ??= WorkloadSpec.Build(Workload, spec.MaxModelLen);
        ReplicaSpec? decodeSpec = null;
        if (DecodeReplicas > 0 && (DecodeHardware is not null || DecodeTp is not null))
        {
            var settings = Clone();
            settings.Tp = DecodeTp ?? Tp;
            decodeSpec = ReplicaSpec.Create(model, HardwareCatalog.Resolve(DecodeHardware ?? Hardware), settings.ToEngineConfig());
        }
        var link = KvTransferLink?.ToLowerInvariant() switch
        {
            null or "network" => hardware.InterNode ?? hardware.IntraNodeLink,
            "nvlink" => hardware.IntraNodeLink,
            "pcie" => hardware.Pcie ?? hardware.IntraNodeLink,
            var other => throw new ArgumentException($"Unknown --kv-transfer-link '{other}'. Known: network, nvlink, pcie."),
        };
        scenario ??= Scenario is null ? null : Scenarios.ScenarioReader.ReadFile(Scenario);
        if (scenario?.Autoscale is { } auto && (auto.Decode ? DecodeReplicas : Replicas) is var start && (start < auto.MinReplicas || start > auto.MaxReplicas))
            throw new ArgumentException($"{(auto.Decode ? "--decode-replicas" : "--replicas")} {start} is where the autoscaler starts: it must be within the scenario's min_replicas..max_replicas ({auto.MinReplicas}..{auto.MaxReplicas}).");
        var sim = new Simulator(new SimulationOptions
        {
            // A scenario that adds replicas gets their slots up front; they serve only once added.
            Replica = spec, Replicas = Replicas + (scenario?.ExtraReplicas(Replicas) ?? 0), Router = Router, Seed = Seed,
            DecodeReplicas = DecodeReplicas > 0 ? DecodeReplicas + (scenario?.ExtraDecodeReplicas(DecodeReplicas) ?? 0) : 0, DecodeReplica = decodeSpec, KvTransferLink = link,
            ExecutionTime = ExecutionTimeModels.Parse(PerfModel),
            TimeSeriesIntervalSeconds = timeSeriesInterval, ExactSteps = ExactSteps,
        });
        if (scenario is not null) sim.AttachScenario(scenario, Replicas, DecodeReplicas);
        sim.AttachWorkload(workload.Source);
        return (sim, spec, workload);
    }
}
