using System.Diagnostics;
using System.Globalization;
using TokenSim.Bench.PredictionCost;
using TokenSim.Core.ExecutionTime;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

// The soak's load (bench/soak.py: a request arrives with a 512-token prompt, its first token 50 ms later, its finish
// with 100 tokens 2 s after arriving; batches of 100 events, due events first, then new arrivals, then one snapshot)
// on one replica shadow of llama-3.1-8b on h100-sxm (roofline), in process, on one thread: what the replica's
// ingest and its arrivals' predictions allocate and cost per event. Scored forecasts are off (their cost is the
// forecasts', not the predictions'). The first third of the run is warm-up and not counted.
//   --per-batch: each batch's end seals its arrivals' prediction group and runs it, as a shadow whose predictions
//   are made before the batch is acknowledged (a durable store); by default the runs go through a scheduler, as a
//   grain's with the in-memory store, where under a backlog (this load's simulated replica is saturated) a group
//   stays open across batches for up to 0.5 s of production time.
const string Usage = "usage: TokenSim.Bench.PredictionCost [--rate EVENTS_PER_S] [--seconds PRODUCTION_S] [--per-batch]";
double rate = 730, seconds = 60;
bool perBatch = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rate" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out rate) && rate >= 100: i++; break;
        case "--seconds" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out seconds) && seconds >= 3: i++; break;
        case "--per-batch": perBatch = true; break;
        default:
            Console.Error.WriteLine($"prediction-cost: '{args[i]}' is not understood (--rate needs a number of at least 100, --seconds at least 3)");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

var spec = DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "soak", Model = "llama-3.1-8b", Hardware = "h100-sxm", Replicas = 8 });
var shadow = new ReplicaShadow(0, spec, ExecutionTimeModels.Parse("roofline"), new ShadowOptions { ForecastScoreIntervalSeconds = 0 });
var scheduler = new InlineScheduler();
if (!perBatch) shadow.PredictionScheduler = scheduler;
const int BatchEvents = 100;
double interval = BatchEvents / rate;
int batches = (int)(seconds / interval), warm = batches / 3;
var due = new PriorityQueue<TwinEvent, (double, long)>();
long order = 0, seq = 0, requests = 0, runsAtWarm = 0, allocatedAtWarm = 0;
TimeSpan cpuAtWarm = default;
for (int b = 0; b < batches; b++)
{
    if (b == warm)
    {
        allocatedAtWarm = GC.GetAllocatedBytesForCurrentThread();
        cpuAtWarm = Process.GetCurrentProcess().TotalProcessorTime;
        runsAtWarm = scheduler.Runs;
    }
    double now = b * interval;
    var batch = new List<TwinEvent>(BatchEvents);
    while (batch.Count < BatchEvents - 1 && due.TryPeek(out _, out var key) && key.Item1 <= now) batch.Add(due.Dequeue());
    while (batch.Count < BatchEvents - 1)
    {
        string id = $"r{requests++}";
        batch.Add(new RequestArrived { EventId = $"e{seq++}", Replica = 0, TimeSeconds = now, RequestId = id, PromptTokens = 512, MaxTokens = 100 });
        batch.Add(new RequestScheduled { EventId = $"e{seq++}", Replica = 0, TimeSeconds = now, RequestId = id });
        due.Enqueue(new FirstTokenProduced { EventId = $"e{seq++}", Replica = 0, TimeSeconds = now + 0.05, RequestId = id }, (now + 0.05, order++));
        due.Enqueue(new RequestFinished { EventId = $"e{seq++}", Replica = 0, TimeSeconds = now + 2, RequestId = id, OutputTokens = 100 }, (now + 2, order++));
    }
    batch.Add(new EngineSnapshotTaken { EventId = $"e{seq++}", Replica = 0, TimeSeconds = now, Running = due.Count / 2 + 1 });
    // As the replica grain applies a batch: in time order, equal times in the order sent.
    foreach (var e in batch.OrderBy(e => e.TimeSeconds))
        if (shadow.ApplyDeferred(e) is { Kind: not EventOutcomeKind.Applied } outcome)
            throw new InvalidOperationException($"event {e.EventId}: {outcome.Kind} {outcome.Reason}");
    shadow.EndBatch();
    shadow.TakePredictions();
    shadow.TakeCompleted();
}
double events = (batches - warm) * (double)BatchEvents;
double allocatedKb = (GC.GetAllocatedBytesForCurrentThread() - allocatedAtWarm) / events / 1024;
double cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtWarm).TotalMilliseconds * 1000 / events;
await shadow.FlushPredictionsAsync();
var records = shadow.Requests.ToArray();
long heap = GC.GetTotalMemory(forceFullCollection: true);
double Median(Func<RequestAccuracy, double?> f)
{
    var v = records.Select(f).OfType<double>().Order().ToArray();
    return v.Length == 0 ? double.NaN : v[v.Length / 2];
}
string runs = perBatch ? $"{batches - warm} (one a batch)" : $"{scheduler.Runs - runsAtWarm}";
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{(perBatch ? "per batch" : "grouped by time")}: {rate:G} events/s for {seconds:G} s, {batches - warm} batches counted, prediction runs {runs}; " +
    $"{allocatedKb:F1} KB allocated and {cpuUs:F0} us CPU an event; predicted median TTFT {Median(r => r.PredictedTtftSeconds):F3} s, " +
    $"TPOT {1000 * Median(r => r.PredictedTpotSeconds):F2} ms, E2E {Median(r => r.PredictedE2eSeconds):F2} s; " +
    $"{records.Length} records, heap after a full collection {heap / 1048576.0:F1} MB ({heap / Math.Max(1, records.Length):F0} bytes a record)"));
return 0;
