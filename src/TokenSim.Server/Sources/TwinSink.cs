using System.Collections.Concurrent;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Sources;

/// <summary>
/// The one way events enter the twin from the server, whichever source made them (the gRPC contract, the native
/// sources, the gateway): one deployment grain call per batch of a deployment, which applies
/// <see cref="TwinEventRules"/>, and the same metrics (events by type and outcome, replica state, completed requests).
/// </summary>
public sealed class TwinSink(IGrainFactory grains, TokenSimMetrics metrics)
{
    /// <summary>Events per grain call, as the gRPC contract bounds a batch.</summary>
    public const int MaxBatch = 1000;

    /// <summary>
    /// Deployments a grain call found registered. There is no unregistering, so a name found once needs no check
    /// before a batch that spans several deployments (<see cref="FirstUnregisteredAsync"/>).
    /// </summary>
    private readonly ConcurrentDictionary<string, byte> _registered = new(StringComparer.Ordinal);

    /// <summary>The deployment, or null when it is not registered.</summary>
    public async Task<DeploymentSummary?> DeploymentAsync(string name) => await grains.GetGrain<IDeploymentTwinGrain>(name).GetAsync();

    public IDeploymentTwinGrain Grain(string name) => grains.GetGrain<IDeploymentTwinGrain>(name);

    /// <summary>
    /// The first of <paramref name="names"/> that is not registered, or null, so that nothing of a batch naming an
    /// unknown deployment is applied. Asks only about names no call has found registered yet.
    /// </summary>
    public async Task<string?> FirstUnregisteredAsync(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (_registered.ContainsKey(name)) continue;
            if (await DeploymentAsync(name) is null) return name;
            _registered.TryAdd(name, 0);
        }
        return null;
    }

    /// <summary>One outcome per event, in order; null when the deployment is not registered (nothing applied).</summary>
    public async Task<EventOutcome[]?> IngestAsync(string deployment, IReadOnlyList<TwinEvent> events)
    {
        var outcomes = new EventOutcome[events.Count];
        var grain = grains.GetGrain<IDeploymentTwinGrain>(deployment);
        for (int start = 0; start < events.Count; start += MaxBatch)
        {
            var chunk = start == 0 && events.Count <= MaxBatch && events is TwinEvent[] all ? all : events.Skip(start).Take(MaxBatch).ToArray();
            var result = await grain.IngestAsync(chunk);
            if (!result.Found)
            {
                _registered.TryRemove(deployment, out _);
                return null;
            }
            _registered.TryAdd(deployment, 0);
            Array.Copy(result.Outcomes, 0, outcomes, start, chunk.Length);
            foreach (var status in result.Replicas) metrics.Update(deployment, status);
            foreach (var done in result.Completed) metrics.Completed(deployment, done);
            CountEvents(deployment, chunk, result.Outcomes);
        }
        return outcomes;
    }

    /// <summary>
    /// Counted per (type, outcome) rather than per event: a span export holds hundreds of events of one type, and a
    /// batch holds few types.
    /// </summary>
    private void CountEvents(string deployment, TwinEvent[] events, EventOutcome[] outcomes)
    {
        var counts = new List<(string Type, EventOutcomeKind Outcome, int Count)>();
        for (int i = 0; i < events.Length; i++)
        {
            string type = events[i].PayloadName;
            var outcome = outcomes[i].Kind;
            int k = 0;
            while (k < counts.Count && !(counts[k].Outcome == outcome && counts[k].Type == type)) k++;
            if (k == counts.Count) counts.Add((type, outcome, 1));
            else counts[k] = (type, outcome, counts[k].Count + 1);
        }
        foreach (var (type, outcome, count) in counts) metrics.CountEvent(deployment, type, outcome, count);
    }
}
