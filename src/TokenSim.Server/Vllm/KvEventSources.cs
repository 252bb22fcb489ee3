using TokenSim.Server.Sources;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Vllm;

/// <summary>
/// One KV-event subscriber per replica whose sources-file target has <c>kv_events</c>, started with the server: each
/// hands its ordered batches to the replica grain's mirror.
/// </summary>
internal sealed partial class KvEventSources(SourcesConfig sources, IGrainFactory grains, IKvEventSubscribers subscribers, KvEventMetrics metrics, ILogger<KvEventSources> log) : IHostedService
{
    private readonly List<IKvEventSubscription> _subscribers = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var deployment in sources.Deployments)
        foreach (var target in deployment.Targets)
        {
            if (target.KvEvents is not { } options) continue;
            string name = deployment.Name;
            int index = target.Replica;
            var grain = grains.GetGrain<IReplicaTwinGrain>(ReplicaGrainKey.Of(name, index));
            var sub = subscribers.Start(options, grain, blocks => metrics.SetMirror(name, index, blocks), line => LogSubscriber(log, name, index, line));
            metrics.Track(name, index, sub.Counts);
            _subscribers.Add(sub);
            await sub.Started;
            LogSubscribed(log, name, index, options.Endpoint, options.Bind ? "bound" : "connected", options.ReplayEndpoint ?? "none");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _subscribers) await s.DisposeAsync();
        _subscribers.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Deployment}/{Replica}: {Line}")]
    private static partial void LogSubscriber(ILogger logger, string deployment, int replica, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Deployment}/{Replica}: KV events from {Endpoint} ({Mode}), replay {Replay}")]
    private static partial void LogSubscribed(ILogger logger, string deployment, int replica, string endpoint, string mode, string replay);
}
