using TokenSim.Core.ExecutionTime;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The step-time scale a shadow learns from observed TPOTs, held in the <see cref="CorrectedExecutionTimeModel"/>
/// its simulation (and every clone of it) steps with.
/// </summary>
internal sealed class StepCalibration(ShadowOptions options)
{
    private CorrectedExecutionTimeModel? _model;

    /// <summary>The factor the execution-time model's step times are scaled by.</summary>
    public double Scale => _model?.Correction.KernelScale ?? 1;

    /// <summary>The correction learned so far.</summary>
    public StepCorrection Correction => _model?.Correction ?? StepCorrection.None;

    /// <summary>The simulator's execution-time model: <paramref name="model"/> under the learned correction.</summary>
    public IExecutionTimeModel Wrap(IExecutionTimeModel model) => _model = new CorrectedExecutionTimeModel(model);

    /// <summary>
    /// Runs <paramref name="run"/> at <paramref name="correction"/> and then restores the learned one: clones share
    /// the model, and a prediction runs at the correction its clone was taken with.
    /// </summary>
    public void RunAt(StepCorrection correction, Action run)
    {
        if (_model is null) { run(); return; }
        var learned = _model.Correction;
        _model.Correction = correction;
        try
        {
            run();
        }
        finally
        {
            _model.Correction = learned;
        }
    }

    /// <summary>
    /// Moves the step-time scale towards observed / simulated TPOT of a request the live simulation ran alongside
    /// production (same arrivals, same finishes), so the ratio reflects the execution-time model's error rather
    /// than a different load. Geometric steps of <see cref="ShadowOptions.CalibrationGain"/>, each bounded to a
    /// factor of 2 so one odd request cannot throw the model off.
    /// </summary>
    public void Learn(ShadowRequest r)
    {
        if (_model is null || options.CalibrationGain <= 0 || r.Record.ObservedTpotSeconds is not { } observed || observed <= 0) return;
        if (r.Live is not { } live || live.Generated < options.CalibrationMinTokens) return;
        double simulated = live.TpotSeconds;
        if (!(simulated > 0)) return;
        double ratio = Math.Clamp(observed / simulated, 0.5, 2);
        _model.Correction = _model.Correction with { KernelScale = _model.Correction.KernelScale * Math.Exp(options.CalibrationGain * Math.Log(ratio)) };
    }
}
