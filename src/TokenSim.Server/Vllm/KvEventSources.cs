using TokenSim.Server.Extensions;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Grains;
using TokenSim.Twin.Kv;

namespace TokenSim.Server.Vllm;

/// <summary>
/// One KV-event subscriber per replica of the <c>--vllm</c> deployment that publishes them, started with the server:
/// each hands its ordered batches to the replica grain's mirror.
/// </summary>
internal sealed class KvEventSources(VllmSettings vllm, IGrainFactory grains, KvEventMetrics metrics, ILogger<KvEventSources> log) : IHostedService
{
    private readonly List<KvEventSubscriber> _subscribers = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var replica in vllm.Replicas)
        {
            if (replica.KvEvents is not { } options) continue;
            int index = replica.Index;
            var grain = grains.GetGrain<IReplicaTwinGrain>(ReplicaTwinGrain.Key(vllm.Deployment, index));
            var sub = new KvEventSubscriber(options,
                async batches => metrics.SetMirror(vllm.Deployment, index, await grain.ApplyKvEventsAsync(batches)),
                line => log.LogWarning("replica {Replica}: {Line}", index, line),
                metrics.Track(vllm.Deployment, index));
            _subscribers.Add(sub);
            await sub.Started;
            log.LogInformation("replica {Replica}: KV events from {Endpoint} ({Mode}), replay {Replay}", index, options.Endpoint, options.Bind ? "bound" : "connected", options.ReplayEndpoint ?? "none");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _subscribers) await s.DisposeAsync();
        _subscribers.Clear();
    }
}
