using Grpc.Core;
using TokenSim.Contracts.V1;
using TokenSim.Server.Metrics;
using TokenSim.Server.Sources;
using TokenSim.Twin.Abstractions;
using EventOutcome = TokenSim.Twin.Abstractions.EventOutcome;

namespace TokenSim.Server.Grpc;

/// <summary>
/// Receives production events over the contract, maps them to the twin's records and hands each deployment's share
/// to the <see cref="TwinSink"/>, the path every source's events take.
/// </summary>
public sealed class IngestService(TwinSink sink, TokenSimMetrics metrics, TimeProvider clock) : Ingest.IngestBase
{
    public const int MaxBatchEvents = TwinSink.MaxBatch;

    public override async Task<IngestAck> IngestBatch(IngestBatchRequest request, ServerCallContext context)
    {
        var ack = new IngestAck();
        await ApplyAsync(request, ack);
        return ack;
    }

    public override async Task<IngestAck> IngestStream(IAsyncStreamReader<IngestBatchRequest> requestStream, ServerCallContext context)
    {
        var ack = new IngestAck();
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            await ApplyAsync(batch, ack);
        return ack;
    }

    /// <summary>Applies a batch made inside the server (the gateway's events) exactly as a gRPC call's batch.</summary>
    public async Task<IngestAck> IngestAsync(IngestBatchRequest request)
    {
        var ack = new IngestAck();
        await ApplyAsync(request, ack);
        return ack;
    }

    private async Task ApplyAsync(IngestBatchRequest request, IngestAck ack)
    {
        long started = clock.GetTimestamp();
        if (request.Events.Count > MaxBatchEvents)
            RpcErrors.ThrowInvalidArgument($"a batch holds at most {MaxBatchEvents} events (got {request.Events.Count}); split it");
        var outcomes = new EventOutcome[request.Events.Count];
        var mapped = new bool[outcomes.Length];
        var byDeployment = new Dictionary<string, (List<int> Index, List<TwinEvent> Events)>(StringComparer.Ordinal);
        for (int i = 0; i < request.Events.Count; i++)
        {
            var e = request.Events[i];
            if (string.IsNullOrEmpty(e.Deployment)) { outcomes[i] = EventOutcome.Invalid("deployment is missing"); continue; }
            var (twin, problem) = ProtoMapper.FromProto(e);
            if (twin is null) { outcomes[i] = EventOutcome.Invalid(problem!); continue; }
            if (!byDeployment.TryGetValue(e.Deployment, out var group)) byDeployment[e.Deployment] = group = ([], []);
            mapped[i] = true;
            group.Index.Add(i);
            group.Events.Add(twin);
        }
        // Nothing of a batch naming an unknown deployment is applied. A batch of one deployment needs no check first:
        // its grain applies nothing when the deployment is not registered.
        if (byDeployment.Count > 1 && await sink.FirstUnregisteredAsync(byDeployment.Keys) is { } unknown) RpcErrors.ThrowNotFound(unknown);
        foreach (var (name, group) in byDeployment)
        {
            var applied = await sink.IngestAsync(name, [.. group.Events]);
            if (applied is null) RpcErrors.ThrowNotFound(name);
            for (int k = 0; k < group.Index.Count; k++) outcomes[group.Index[k]] = applied[k];
        }
        for (int i = 0; i < outcomes.Length; i++)
        {
            var e = request.Events[i];
            var o = outcomes[i];
            // The sink counted what it was given; the events refused here never reached it.
            if (!mapped[i]) metrics.CountEvent(e.Deployment, ProtoMapper.TypeLabel(e), o.Kind);
            ack.Outcomes.Add(new Contracts.V1.EventOutcome { EventId = e.EventId, Outcome = ProtoMapper.ToProto(o.Kind), Reason = o.Reason });
            switch (o.Kind)
            {
                case EventOutcomeKind.Applied: ack.Applied++; break;
                case EventOutcomeKind.Duplicate: ack.Duplicate++; break;
                case EventOutcomeKind.Late: ack.Late++; break;
                default: ack.Invalid++; break;
            }
        }
        metrics.ObserveIngest(clock.GetElapsedTime(started).TotalSeconds);
    }
}
