using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Where predictions run off the batch (<see cref="ReplicaShadow.PredictionScheduler"/>, as a grain's do) and the
/// simulated replica has requests waiting, an arrival group stays open across batches until an arrival comes more than
/// <see cref="ShadowOptions.PredictionGroupSeconds"/> (0.5 s) after its first: the groups, and so the predictions, are
/// set by production time, not by how the events were batched, and a replica runs one forward run per group.
/// </summary>
public sealed class PredictionGroupTests
{
    private static ReplicaShadow NewShadow(TaskScheduler? scheduler) => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096, MaxNumSeqs = 1 }),
        _ => new FixedStepModel(0.010), new ShadowOptions()) { PredictionScheduler = scheduler };

    private static RequestArrived Arrived(int i, double t, int maxTokens = 30) =>
        new() { EventId = $"a{i}", Replica = 0, TimeSeconds = t, RequestId = $"r{i}", PromptTokens = 100, MaxTokens = maxTokens };

    /// <summary>
    /// One sequence at a time, 10 ms steps. r0 (up to 500 tokens) arrives at 0 s and runs; w1 and w2 (30 tokens) wait
    /// behind it from 0.01 and 0.02 s, a backlog once they have waited 0.5 s. r1 to r4 arrive at 1.0 to 1.3 s, with
    /// production's finish of r0 at 1.15 s between r2 and r3; r5 and r6 at 1.8 and 1.9 s. By time the groups are
    /// {r0, w1, w2}, {r1..r4} (r5 comes 0.8 s after r1) and {r5, r6}. The first four events come in one batch.
    /// </summary>
    private static TwinEvent[][] Batches() =>
    [
        [Arrived(0, 0, maxTokens: 500), Waiter(1, 0.01), Waiter(2, 0.02), new FirstTokenProduced { EventId = "f0", Replica = 0, TimeSeconds = 0.02, RequestId = "r0" }],
        [Arrived(1, 1.0)], [Arrived(2, 1.1)],
        [new RequestFinished { EventId = "d0", Replica = 0, TimeSeconds = 1.15, RequestId = "r0", OutputTokens = 100 }],
        [Arrived(3, 1.2)], [Arrived(4, 1.3)], [Arrived(5, 1.8)], [Arrived(6, 1.9)],
    ];

    private static RequestArrived Waiter(int i, double t) =>
        new() { EventId = $"w{i}", Replica = 0, TimeSeconds = t, RequestId = $"w{i}", PromptTokens = 100, MaxTokens = 30 };

    private static TwinEvent[] Events() => [.. Batches().SelectMany(b => b)];

    [Fact]
    public async Task OneArrivalABatch_UnderABacklog_GivesThePredictionsOfOneBatch_InOneRunAGroup()
    {
        // The reference: every event in one batch, predicted at its end, where groups were only ever sealed by the
        // 0.5 s bound.
        var oneBatch = NewShadow(null);
        foreach (var e in Events()) Assert.Equal(EventOutcome.Applied, oneBatch.ApplyDeferred(e));
        oneBatch.EndBatch();

        var scheduler = new ManualTaskScheduler();
        var perEvent = NewShadow(scheduler);
        foreach (var batch in Batches())
        {
            foreach (var e in batch) Assert.Equal(EventOutcome.Applied, perEvent.ApplyDeferred(e));
            perEvent.EndBatch();
        }
        // Eight batches: the first group sealed at its batch's end (nothing had waited 0.5 s yet), the second by a
        // later arrival (their runs go one after the other), the third still open.
        Assert.Equal(2, perEvent.PredictionsRunning);
        var flush = perEvent.FlushPredictionsAsync();
        Assert.Equal(3, scheduler.RunAll());
        await flush;

        Assert.All(oneBatch.Requests, r => Assert.NotNull(r.PredictedE2eSeconds));
        Assert.Equal(oneBatch.Requests, perEvent.Requests);
        // The groups matter: in r1's group, whose clone was taken at 1.0 s, r0 still runs to its 500 tokens (until
        // about 5 s) and r3 waits for it; sealed per batch, r3's own clone at 1.2 s knows production finished r0.
        var sealedPerBatch = NewShadow(null);
        foreach (var batch in Batches())
        {
            foreach (var e in batch) Assert.Equal(EventOutcome.Applied, sealedPerBatch.ApplyDeferred(e));
            sealedPerBatch.EndBatch();
        }
        double grouped = perEvent.Requests.Single(r => r.RequestId == "r3").PredictedTtftSeconds!.Value;
        double alone = sealedPerBatch.Requests.Single(r => r.RequestId == "r3").PredictedTtftSeconds!.Value;
        Assert.True(grouped > alone + 3, $"r3's TTFT grouped {grouped} s, alone {alone} s");
    }

    [Fact]
    public void WithoutABacklog_EveryBatchSealsItsGroup()
    {
        var scheduler = new ManualTaskScheduler();
        var shadow = NewShadow(scheduler);
        // r0 (500 tokens) runs at once and nothing waits: the batch's end seals its group, as a shadow predicting at
        // the batch's end.
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Arrived(0, 0, maxTokens: 500)));
        shadow.EndBatch();
        Assert.Equal(1, scheduler.Queued);
        // r1 waits for r0 (one sequence at a time), but not yet 0.5 s: no backlog, and its group is sealed too.
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Arrived(1, 0.1)));
        shadow.EndBatch();
        Assert.Equal(2, shadow.PredictionsRunning);
        // r2 at 0.7 s: r1 has waited 0.6 s behind r0, a backlog, so r2's group stays open past its batch.
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Arrived(2, 0.7)));
        shadow.EndBatch();
        Assert.Equal(2, shadow.PredictionsRunning);
    }

    [Fact]
    public void ABatchThatCompletesARequestOfTheOpenGroup_SealsIt()
    {
        var scheduler = new ManualTaskScheduler();
        var shadow = NewShadow(scheduler);
        // One sequence at a time: r10 (500 tokens) runs from 0 s, w1 waits behind it; their group is sealed at once.
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Arrived(10, 0, maxTokens: 500)));
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Waiter(1, 0.01)));
        shadow.EndBatch();
        Assert.Equal(1, scheduler.RunAll());
        shadow.CollectPredictions();
        // r0 at 0.6 s: w1 has waited 0.59 s, a backlog, so r0's group stays open past its batch.
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Arrived(0, 0.6)));
        shadow.EndBatch();
        Assert.Equal(0, shadow.PredictionsRunning);
        // Production finishes r0 0.3 s after it arrived, within its group's 0.5 s: the batch's end seals the group, so
        // that its completion can be reported with its prediction (a grain waits for the run before it acknowledges).
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(new FirstTokenProduced { EventId = "f0", Replica = 0, TimeSeconds = 0.62, RequestId = "r0" }));
        Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(new RequestFinished { EventId = "d0", Replica = 0, TimeSeconds = 0.9, RequestId = "r0", OutputTokens = 29 }));
        shadow.EndBatch();
        Assert.True(shadow.CompletionsAwaitPrediction);
        Assert.Equal(1, scheduler.Queued);
        scheduler.RunAll();
        shadow.CollectPredictions();
        var done = Assert.Single(shadow.TakeCompleted());
        Assert.Equal("r0", done.RequestId);
        // By hand: at 0.6 s r10 has about 440 of its 500 tokens to go (4.4 s), then w1's 30 steps (0.3 s), then r0's
        // first step: a TTFT of about 4.71 s.
        Assert.InRange(done.PredictedTtftSeconds!.Value, 4.6, 4.8);
        Assert.True(done.PredictedE2eSeconds > done.PredictedTtftSeconds);
    }
}
