namespace TokenSim.Twin.Hosting;

/// <summary>The twin's settings (configuration section <c>Twin</c>).</summary>
public sealed class TwinOptions
{
    public const string Section = "Twin";
    /// <summary>The grain storage provider the twin's grains persist to.</summary>
    public const string StorageName = "twin";

    /// <summary>Seconds an event may lag its replica's clock and still be applied; older ones are late. Default 10.</summary>
    public double LatenessSeconds { get; set; } = 10;
    /// <summary>
    /// Seconds an event's production time may lie ahead of the later of its deployment's clock and the silo's wall
    /// clock; further ahead it is INVALID (<see cref="Abstractions.ProductionTime"/>). Default 300, the usual bound
    /// on clock skew between hosts (Kerberos').
    /// </summary>
    public double MaxAheadSeconds { get; set; } = 300;
    /// <summary>Event ids each replica remembers to drop repeats. Default 1,000,000.</summary>
    public int SeenEventWindow { get; set; } = 1_000_000;
    /// <summary>
    /// Request records each replica keeps; beyond it the oldest closed ones are evicted and only counted in the
    /// accuracy totals. Default 100,000.
    /// </summary>
    public int MaxRecords { get; set; } = 100_000;
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
    /// The share of one core the silo's scored forecasts may take (CPU time), all replicas together
    /// (<see cref="Shadow.ForecastBudget"/>); a forecast due beyond it is skipped. Default 0.25.
    /// </summary>
    public double ForecastScoreBudget { get; set; } = 0.25;
    /// <summary>Horizons the scored forecasts look ahead, in seconds. Default 5, 10 and 20.</summary>
    public IReadOnlyList<double> ForecastScoreHorizons { get; set; } = [5, 10, 20];
    /// <summary>
    /// Forecasts (scored and asked for) fork the replica's state on its turn and run their seeds on the
    /// <see cref="PredictionScheduler"/>, so acknowledgements do not wait for them; false: on the turn. Either way a
    /// forecast is the same, and so are the scores where the budget skips none (docs/operations.md). Default true;
    /// a durable store runs them on the turn.
    /// </summary>
    public bool ForecastsOffTurn { get; set; } = true;
    /// <summary>
    /// Linux niceness of the threads forecasts run on off the turn (<see cref="DedicatedThreadScheduler"/>), 0 to 19:
    /// above 0 a contended core goes to ingest first. Default 0.
    /// </summary>
    public int ForecastNiceness { get; set; }
    /// <summary>One bucket for the whole silo, made at the first replica's activation.</summary>
    private Shadow.ForecastBudget? _budget;

    /// <summary>The options each replica's shadow runs with.</summary>
    public Shadow.ShadowOptions ShadowOptions() => new()
    {
        LatenessSeconds = LatenessSeconds, MaxRecords = MaxRecords, ForecastScoreIntervalSeconds = ForecastScoreIntervalSeconds, ForecastScoreHorizons = ForecastScoreHorizons,
        ForecastScoreBudget = LazyInitializer.EnsureInitialized(ref _budget, () => new Shadow.ForecastBudget(ForecastScoreBudget)),
    };
}
