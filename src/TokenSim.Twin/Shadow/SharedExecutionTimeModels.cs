using System.Collections.Concurrent;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The execution-time model of a replica, built once per resolved perf model and engine in the process and shared by
/// every replica activation that runs it, instead of reading and fitting the profile's tables at each activation (a
/// deployment of 8 replicas read them 8 times; under bench/ingest, which registers a deployment per repeat, that was
/// 3–7% of the server's CPU).
/// </summary>
/// <remarks>
/// Sharing is safe because a model holds no state that stepping changes: the clones that predict and forecast already
/// step on their replica's model from other threads. Each replica still wraps it in a correction of its own
/// (<see cref="StepCalibration"/>). The deployment's name is not part of the key: deployments with the same engine
/// share. A profile is read from its folder once per process; one rewritten in place is read again only by a new process.
/// </remarks>
public static class SharedExecutionTimeModels
{
    /// <summary>Distinct models held before the cache starts again (each holds a profile's tables, a few MB at most).</summary>
    private const int MaxHeld = 32;

    private static readonly ConcurrentDictionary<(string PerfModel, TwinDeploymentSpec Engine), Lazy<IExecutionTimeModel>> Held = new();

    /// <summary>A factory that answers the one model of <paramref name="spec"/>'s replicas under <paramref name="resolvedPerfModel"/>.</summary>
    public static Func<ReplicaSpec, IExecutionTimeModel> For(string resolvedPerfModel, TwinDeploymentSpec spec)
    {
        var key = (resolvedPerfModel, spec with { Name = "" });
        if (Held.Count >= MaxHeld && !Held.ContainsKey(key)) Held.Clear();
        // PublicationOnly: a build that fails (a profile folder gone) is not remembered; the next activation tries again.
        var model = Held.GetOrAdd(key, k => new Lazy<IExecutionTimeModel>(
            () => ExecutionTimeModels.Parse(k.PerfModel)(DeploymentSpecs.Build(spec)), LazyThreadSafetyMode.PublicationOnly));
        return _ => model.Value;
    }
}
