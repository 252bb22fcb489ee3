using TokenSim.Core.ExecutionTime;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The step-time correction a shadow learns online, held in the <see cref="CorrectedExecutionTimeModel"/> its
/// simulation (and every clone of it) steps with: a kernel-time scale and a cost per step that carries prefill
/// tokens, fitted by <see cref="StepCorrectionFit"/> (the fitter of <c>validate vllm-bench --calibrate-on</c>) to the
/// step boundaries production reveals.
/// </summary>
/// <remarks>
/// A finished request's first and last tokens are stamped at the ends of two engine steps with exactly n − 1 steps
/// between them (it gains one token a step), so (last − first) / (n − 1) is production's mean step time over that
/// stretch. The lockstep simulation ran the same requests over the same stretch of production's clock; its steps
/// there (<see cref="Log"/>) say what production's were made of: their mean model time and the share that carried
/// prefill. Each finish adds one such <see cref="StepWindow"/>; the correction is refitted over the last
/// <see cref="ShadowOptions.CalibrationWindows"/> once there are <see cref="ShadowOptions.CalibrationMinWindows"/>.
/// The features are the simulation's step composition, not its timing, so a correction does not feed back into its
/// own signal as the earlier TPOT-ratio scale did (which settled at 0.81 on the accurate profile).
/// </remarks>
internal sealed class StepCalibration
{
    private readonly ShadowOptions _options;
    private readonly Queue<StepWindow> _windows = new();
    private CorrectedExecutionTimeModel? _model;
    private int _sinceFit;

    public StepCalibration(ShadowOptions options)
    {
        _options = options;
        Log = new StepLog(() => Correction);
    }

    /// <summary>The live simulation's steps: attach as its observer.</summary>
    public StepLog Log { get; }

    /// <summary>The factor the execution-time model's step times are scaled by.</summary>
    public double Scale => Correction.KernelScale;

    /// <summary>The correction learned so far.</summary>
    public StepCorrection Correction => _model?.Correction ?? StepCorrection.None;

    /// <summary>The latest fit with its standard errors; <see cref="StepCorrectionEstimate.None"/> until the first.</summary>
    public StepCorrectionEstimate Estimate { get; private set; } = StepCorrectionEstimate.None;

    /// <summary>Windows the next fit would use.</summary>
    public int Windows => _windows.Count;

    /// <summary>
    /// A correction drawn from the latest fit's uncertainty (<see cref="StepCorrectionEstimate.Sample"/>): one per
    /// ensemble seed, run with <see cref="RunAt"/>, spreads a forecast by what the twin does not know of the engine.
    /// The learned correction itself until a fit is applied. Deterministic in <paramref name="seed"/> and the fit.
    /// </summary>
    public StepCorrection Sample(int seed) => _model is null || Estimate.Windows == 0 ? Correction : Estimate.Sample(seed);

    /// <summary>
    /// The simulator's execution-time model: <paramref name="model"/> under the learned correction. Only the first
    /// call's is the one the calibration moves; a later call (a forecast's scenario rebuilding a fork's model for
    /// slower links, off the replica's turn) gets a model of its own at the correction learned so far, and the live
    /// simulation keeps its calibration.
    /// </summary>
    public IExecutionTimeModel Wrap(IExecutionTimeModel model) =>
        _model is null ? _model = new CorrectedExecutionTimeModel(model) : new CorrectedExecutionTimeModel(model, Correction);

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
    /// Learns from one finished request: production stamped its first token at <paramref name="firstToken"/> and its
    /// last at <paramref name="lastToken"/> (simulation clock) with <paramref name="outputTokens"/> tokens. Skipped
    /// when calibration is off, the decode is shorter than <see cref="ShadowOptions.CalibrationMinTokens"/> steps,
    /// the simulation preempted the request (production's step count is then unknown) or logged no step in the stretch.
    /// </summary>
    public void Learn(ShadowRequest r, double firstToken, double lastToken, int outputTokens)
    {
        if (_model is null || _options.CalibrationWindows <= 0) return;
        int steps = outputTokens - 1;
        if (steps < Math.Max(1, _options.CalibrationMinTokens) || r.Live is { Preemptions: > 0 } || !(lastToken > firstToken)) return;
        if (Log.Observe(firstToken, lastToken, steps, (lastToken - firstToken) / steps) is not { } w) return;
        _windows.Enqueue(w);
        while (_windows.Count > _options.CalibrationWindows) _windows.Dequeue();
        if (_windows.Count < _options.CalibrationMinWindows) return;
        // While the windows fill, every finish refits (the correction is still being learned). Once they are full, a
        // sixteenth of them new between fits: a fit per finish then cost ingest a third of its throughput
        // (bench/ingest, docs/twin.md), and one window moves a fit over hundreds by little.
        if (_windows.Count >= _options.CalibrationWindows && ++_sinceFit < Math.Max(1, _options.CalibrationWindows / 16)) return;
        _sinceFit = 0;
        Estimate = StepCorrectionFit.Fit(_windows.ToArray());
        _model.Correction = Estimate.Correction;
    }
}
