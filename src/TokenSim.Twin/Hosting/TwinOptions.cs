namespace TokenSim.Twin.Hosting;

/// <summary>The twin's settings (configuration section <c>Twin</c>).</summary>
public sealed class TwinOptions
{
    public const string Section = "Twin";
    /// <summary>The grain storage provider the twin's grains persist to.</summary>
    public const string StorageName = "twin";

    /// <summary>Seconds an event may lag its replica's clock and still be applied; older ones are late. Default 10.</summary>
    public double LatenessSeconds { get; set; } = 10;
    /// <summary>Event ids each replica remembers to drop repeats. Default 1,000,000.</summary>
    public int SeenEventWindow { get; set; } = 1_000_000;
    /// <summary>
    /// Whether replica grains write their state before acknowledging each batch (so an acknowledgement means
    /// persisted), or only when they deactivate. In-memory storage dies with the silo either way, so the embedded
    /// default writes on deactivation only; a persistent provider should set this.
    /// </summary>
    public bool WriteStatePerBatch { get; set; } = true;
    /// <summary>
    /// The repository's <c>data</c> folder, searched for profiles when a deployment's perf model is <c>auto</c>;
    /// default: the first <c>data/profiles</c> above the server's binaries.
    /// </summary>
    public string? DataRoot { get; set; }
    /// <summary>
    /// Production seconds between the forecasts each replica scores against later engine snapshots; 0 = no scoring.
    /// Default 1 (<see cref="Shadow.ShadowOptions.ForecastScoreIntervalSeconds"/>).
    /// </summary>
    public double ForecastScoreIntervalSeconds { get; set; } = 1;
    /// <summary>
    /// The share of one core's wall time the silo's scored forecasts may take, all replicas together
    /// (<see cref="Shadow.ForecastBudget"/>); a forecast due beyond it is skipped. Default 0.25.
    /// </summary>
    public double ForecastScoreBudget { get; set; } = 0.25;
    /// <summary>One bucket for the whole silo, made at the first replica's activation.</summary>
    private Shadow.ForecastBudget? _budget;

    /// <summary>The options each replica's shadow runs with.</summary>
    public Shadow.ShadowOptions ShadowOptions() => new()
    {
        LatenessSeconds = LatenessSeconds, ForecastScoreIntervalSeconds = ForecastScoreIntervalSeconds,
        ForecastScoreBudget = LazyInitializer.EnsureInitialized(ref _budget, () => new Shadow.ForecastBudget(ForecastScoreBudget)),
    };
}
