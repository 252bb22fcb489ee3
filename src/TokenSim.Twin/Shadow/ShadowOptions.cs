namespace TokenSim.Twin.Shadow;

/// <summary>How a replica shadow treats lateness and what it assumes about the future when it predicts.</summary>
public sealed record ShadowOptions
{
    /// <summary>
    /// Seconds an event may lag the replica's clock and still be applied (at the clock); older ones are late.
    /// Default 10 s.
    /// </summary>
    public double LatenessSeconds { get; init; } = 10;
    /// <summary>Output length assumed before any request has finished; null (default) = the request's max_tokens.</summary>
    public int? PriorOutputTokens { get; init; }
    /// <summary>How finished requests predict output lengths. Default the fraction of max_tokens.</summary>
    public OutputPredictorKind OutputPredictor { get; init; } = OutputPredictorKind.MaxTokensFraction;
    /// <summary>Finished requests the output-length predictor averages over. Default 512.</summary>
    public int PredictorWindow { get; init; } = 512;
    /// <summary>
    /// Whether a prediction assumes requests keep arriving at the recent rate with the recent mean prompt and
    /// predicted output (default true): a request shares its batch with later arrivals, so ignoring them would
    /// predict too short a TPOT while production is busy.
    /// </summary>
    public bool SteadyArrivals { get; init; } = true;
    /// <summary>How long the assumed arrivals last. Default <see cref="Shadow.ArrivalsHorizon.Elapsed"/>.</summary>
    public ArrivalsHorizon ArrivalsHorizon { get; init; } = ArrivalsHorizon.Elapsed;
    /// <summary>At most this many future arrivals are assumed in one prediction. Default unbounded.</summary>
    public int SteadyArrivalsLimit { get; init; } = int.MaxValue;
    /// <summary>
    /// Decode windows (one per finished request) the online step correction is fitted over, the most recent ones
    /// (<see cref="StepCalibration"/>); 0 = no online calibration. Default 256.
    /// </summary>
    public int CalibrationWindows { get; init; } = 256;
    /// <summary>Windows needed before the first fit is applied; until then the model runs uncorrected. Default 16.</summary>
    public int CalibrationMinWindows { get; init; } = 16;
    /// <summary>Requests that decoded fewer steps (output tokens − 1) than this do not calibrate (too few to time). Default 8.</summary>
    public int CalibrationMinTokens { get; init; } = 8;
    /// <summary>Recent arrivals the rate and mean prompt are estimated from. Default 64.</summary>
    public int ArrivalWindow { get; init; } = 64;
    /// <summary>
    /// Production seconds after a batch's first pending arrival within which later arrivals share its clone and
    /// forward run (<see cref="ReplicaShadow.ApplyDeferred"/>): the most a prediction's state can lag its arrival.
    /// </summary>
    public double PredictionGroupSeconds { get; init; } = 0.5;
    /// <summary>
    /// Request records kept (<see cref="ReplicaShadow.Requests"/>); beyond it the oldest closed (finished or aborted)
    /// ones are evicted, their accuracy kept in <see cref="ReplicaShadow.Totals"/>. Open requests are never evicted.
    /// Default 100,000.
    /// </summary>
    public int MaxRecords { get; init; } = 100_000;
    /// <summary>Seconds of recent arrivals a forecast learns the arrival rate, its trend and burstiness from. Default 10.</summary>
    public double TrafficWindowSeconds { get; init; } = 10;
    /// <summary>
    /// Production seconds between the forecasts the replica scores against later engine snapshots
    /// (<see cref="ForecastScorer"/>); 0 = no scoring. Default 1.
    /// </summary>
    public double ForecastScoreIntervalSeconds { get; init; } = 1;
    /// <summary>Horizons the scored forecasts look ahead, in seconds. Default 5, 10 and 20.</summary>
    public IReadOnlyList<double> ForecastScoreHorizons { get; init; } = [5, 10, 20];
    /// <summary>Seeds each scored forecast runs (their mean is scored). Default 3.</summary>
    public int ForecastScoreSeeds { get; init; } = 3;
    /// <summary>
    /// The CPU time scored forecasts may take, shared with the silo's other replicas; a forecast due while it is
    /// spent is skipped. Null (default): no limit, so the same events always score the same forecasts.
    /// </summary>
    public ForecastBudget? ForecastScoreBudget { get; init; }
}
