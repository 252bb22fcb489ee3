namespace TokenSim.Twin.Shadow;

/// <summary>
/// The arrivals' predictions: when their groups seal, where their runs go, and when they are frozen into the records
/// (<see cref="ArrivalPredictions"/>).
/// </summary>
public sealed partial class ReplicaShadow
{
    /// <summary>
    /// Predicts the pending arrivals now, then evicts closed records beyond the bound (<see cref="ShadowOptions.MaxRecords"/>):
    /// what a shadow fed without a grain does after each event.
    /// </summary>
    public void PredictPending()
    {
        _predictions.PredictPending();
        _records.Evict();
    }

    /// <summary>
    /// Where arrival predictions run, off the caller's turn (a grain's shadow: the thread pool, so the acknowledgement
    /// does not wait for them), or null: each group runs when sealed. Either way a prediction is the same: its clone
    /// steps on a model of its own, at the calibration of its first arrival.
    /// </summary>
    public TaskScheduler? PredictionScheduler
    {
        get => _predictions.Scheduler;
        set => _predictions.Scheduler = value;
    }

    /// <summary>Prediction groups sealed whose predictions are not frozen yet.</summary>
    public int PredictionsRunning => _predictions.Sealed;

    /// <summary>The oldest sealed prediction group's run, or null.</summary>
    public Task? OldestPrediction => _predictions.Oldest;

    /// <summary>
    /// Ends a batch: ends the arrivals' prediction group (<see cref="SealBatch"/>), freezes the runs finished so far, and
    /// evicts closed records beyond the bound whose predictions are frozen (<see cref="SealBatch"/>, then
    /// <see cref="EvictRecords"/>).
    /// </summary>
    public void EndBatch()
    {
        SealBatch();
        EvictRecords();
    }

    /// <summary>
    /// Ends the batch's arrivals' prediction group (its run starts) and freezes the runs finished so far. With a
    /// <see cref="PredictionScheduler"/> and a backlog (the simulation's oldest waiting request has waited more than
    /// <see cref="ShadowOptions.PredictionGroupSeconds"/>; an arrival during a step in flight waits for that step only),
    /// the group stays open to the next batch's arrivals while they could still join it (within that time of its first)
    /// and none of its requests has completed (<see cref="ArrivalPredictions"/>).
    /// </summary>
    public void SealBatch()
    {
        var waiting = _sim.Replicas[0].Waiting;
        bool backlogged = waiting.Count > 0 && _sim.Now - waiting[0].ArrivalTime > _options.PredictionGroupSeconds;
        _predictions.EndBatch(_sim.Now, _records.CompletionsAwaitOpenGroup, backlogged);
        _predictions.Collect();
    }

    /// <summary>
    /// Evicts closed records beyond the bound whose predictions are frozen. Only at the end of a batch, never within
    /// one: a replica restored from its log evicts at the same points, with the same predictions pending.
    /// </summary>
    public void EvictRecords() => _records.Evict();

    /// <summary>Whether a request completed since the last <see cref="TakeCompleted"/> still waits for its prediction.</summary>
    public bool CompletionsAwaitPrediction => _records.CompletionsAwaitPrediction;

    /// <summary>Freezes the predictions whose runs have finished (a failed run throws here).</summary>
    public void CollectPredictions() => _predictions.Collect();

    /// <summary>Seals the open group, waits for every run and freezes it: no prediction is pending after it.</summary>
    public async Task FlushPredictionsAsync()
    {
        _predictions.Seal();
        while (_predictions.Oldest is { } run)
        {
            // Awaited on the caller's scheduler (a grain's), then frozen there; a failed run throws from Collect.
            await run.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            _predictions.Collect();
        }
    }
}
