using TokenSim.Core.Randomness;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The engine model's measured error, as a forecast's ensemble carries it: the log of observed / simulated TPOT of
/// the replica's recently closed requests (those the step-time calibration learns from), each seed of a forecast
/// stepping at a factor drawn from them.
/// </summary>
/// <remarks>
/// The residuals are centred on their mean: the calibration (<see cref="StepCalibration"/>) already moves the
/// step-time scale towards their bias, and the forecast's median is its to set; what the draw adds is the spread of
/// the model's error around it. A request's TPOT averages its whole decode, so its residual is the model's error
/// over tens of steps under that request's batches: the error that persists over a forecast's horizon rather than
/// one step's jitter. Until two requests have closed there is no spread to draw from and every seed steps as the
/// calibration says. A seed draws this on top of a correction drawn from the online fit's own uncertainty
/// (<see cref="StepCalibration.Sample"/>), which says how well the fit's parameters are known, not how far production
/// strays from the fitted model.
/// </remarks>
internal sealed class EngineResiduals(ShadowOptions options)
{
    private readonly Queue<double> _logRatios = new();
    private double _sum;

    public int Count => _logRatios.Count;

    /// <summary>A closed request: its observed TPOT against the live simulation's, when both are long enough to time.</summary>
    public void Observe(ShadowRequest r)
    {
        if (r.Record.ObservedTpotSeconds is not { } observed || !(observed > 0)) return;
        if (r.Live is not { } live || live.Generated < options.CalibrationMinTokens || !(live.TpotSeconds > 0)) return;
        double x = Math.Log(observed / live.TpotSeconds);
        _logRatios.Enqueue(x);
        _sum += x;
        if (_logRatios.Count > options.PredictorWindow) _sum -= _logRatios.Dequeue();
    }

    /// <summary>A step-time factor: e to the power of a residual drawn uniformly, minus their mean; 1 with fewer than two.</summary>
    public double Draw(SimRandom random)
    {
        if (_logRatios.Count < 2) return 1;
        int i = random.NextInt(0, _logRatios.Count - 1);
        return Math.Exp(_logRatios.ElementAt(i) - _sum / _logRatios.Count);
    }
}
