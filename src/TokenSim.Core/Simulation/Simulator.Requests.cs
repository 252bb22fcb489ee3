using TokenSim.Core.Workload;

namespace TokenSim.Core.Simulation;

/// <summary>The driver's side of requests: submitting, aborting, revising output lengths, and the attached workload's arrivals.</summary>
public sealed partial class Simulator
{
    /// <summary>Submits a request that arrives at <see cref="RequestSpec.ArrivalTime"/> (not before <see cref="Now"/>).</summary>
    public Request Submit(in RequestSpec spec)
    {
        if (spec.ArrivalTime < Now) throw new ArgumentException($"Cannot submit a request at t={spec.ArrivalTime} s: the simulation is already at t={Now} s.");
        var r = NewRequest(spec);
        _events.Enqueue(EventKind.Arrival, spec.ArrivalTime, -1, r);
        return r;
    }

    /// <summary>
    /// Submits a request another simulation's replica held when it was lost (a forecast's fork of another replica,
    /// docs/scenarios.md): it reaches the router at <paramref name="at"/> (not before <see cref="Now"/>) as an arrival
    /// does, and prefills its prompt and the <paramref name="generated"/> tokens it had produced again, as
    /// <see cref="Evacuate"/> re-routes a lost replica's requests within one simulation. Its arrival
    /// (<see cref="RequestSpec.ArrivalTime"/>, which may be past) and first and last token times are kept, so its TTFT
    /// and TPOT include the loss and a request that had produced its first token does not produce another first one.
    /// </summary>
    public Request SubmitRerouted(in RequestSpec spec, double at, int generated, double firstTokenTime, double lastTokenTime)
    {
        if (at < Now) throw new ArgumentException($"Cannot re-route a request at t={at} s: the simulation is already at t={Now} s.");
        var r = Resumed(spec, generated, firstTokenTime, lastTokenTime, "re-routed");
        _events.Enqueue(EventKind.Arrival, at, -1, r);
        return r;
    }

    /// <summary>
    /// Places a request another simulation held, with its state, on replica <paramref name="replica"/> now, not through
    /// the router: a deployment-wide fork assembled from each replica's own (a forecast that autoscales). The first
    /// <paramref name="residentTokens"/> of its prompt and generated tokens have their KV on that replica, as a
    /// disaggregated hand-off lands them (<see cref="Request.TransferredTokens"/>): a running request resumes without
    /// prefilling again, a waiting one (0) prefills as it would have.
    /// </summary>
    public Request Place(int replica, in RequestSpec spec, int generated, int residentTokens, double firstTokenTime, double lastTokenTime)
    {
        if (replica < 0 || replica >= _entry.Length) throw new ArgumentException($"Cannot place a request on replica {replica}: requests enter replicas 0 to {_entry.Length - 1}.");
        var r = Resumed(spec, generated, firstTokenTime, lastTokenTime, "placed");
        r.TransferredTokens = Math.Clamp(residentTokens, 0, r.NumTokens - 1);
        var to = _replicas[replica];
        _serial.Settle(to, Now);
        r.Replica = replica;
        r.Status = RequestStatus.Waiting;
        r.QueuedTime = Now;
        to.Waiting.PushBack(r);
        RequestWake(to);
        return r;
    }

    /// <summary>
    /// Withdraws a request now, as vLLM's <c>abort_requests</c> does when a client goes away: it leaves its replica's
    /// queues and its KV blocks are freed at once. False when it had already finished, been rejected or aborted.
    /// </summary>
    public bool Abort(Request r)
    {
        switch (r.Status)
        {
            case RequestStatus.Finished or RequestStatus.Rejected or RequestStatus.Aborted:
                return false;
            case RequestStatus.Waiting or RequestStatus.Running:
                _replicas[r.Replica].Remove(r);
                break;
            case RequestStatus.Transferring:
                // Its KV is still on the prefill replica until the transfer lands; the hand-off frees it then.
                break;
        }
        bool pending = r.Status == RequestStatus.Pending;
        r.Status = RequestStatus.Aborted;
        r.FinishTime = Now;
        Metrics.Aborted++;
        if (!pending) Observer?.OnAborted(r, Now);
        // A slot or blocks came free: an idle replica may now admit what waits.
        if (r.Replica >= 0) RequestWake(_replicas[r.Replica]);
        return true;
    }

    /// <summary>
    /// Revises the output length an unfinished request is expected to produce, for drivers that only learn it as
    /// the request runs (the twin predicts it at arrival and corrects it later). Never below the tokens already
    /// produced or in flight plus one, so the request is not finished by the revision itself. Returns the length set.
    /// </summary>
    public int ReviseOutputTokens(Request r, int outputTokens)
    {
        if (r.Status is RequestStatus.Finished or RequestStatus.Rejected or RequestStatus.Aborted)
            throw new InvalidOperationException($"Cannot revise the output length of {r}: it is no longer in the simulation.");
        int floor = Math.Max(r.Generated + r.Placeholders, r.Generated + 1);
        r.OutputTokens = Math.Max(floor, outputTokens);
        return r.OutputTokens;
    }

    /// <summary>Streams requests from <paramref name="source"/>: one pending arrival at a time, so memory stays flat.</summary>
    public void AttachWorkload(IWorkloadSource source)
    {
        if (_source is not null) throw new InvalidOperationException("A workload is already attached.");
        _source = UnderScenario(source);
        PullSource();
    }

    private Request NewRequest(in RequestSpec s) => new(_nextId++, s.ArrivalTime, s.PromptTokens, s.OutputTokens)
    {
        Priority = s.Priority, PrefixHashes = s.PrefixHashes, TokenIds = s.TokenIds, ExternalCachedTokens = s.ExternalCachedTokens,
    };

    internal void PullSource()
    {
        if (_source is null || _sourcePending is not null) return;
        if (!_source.TryNext(Now, Random, out var spec)) return;
        if (spec.ArrivalTime < Now) spec = spec with { ArrivalTime = Now };
        _sourcePending = Submit(spec);
    }

    /// <summary>
    /// A request another simulation (or replica) started: <paramref name="generated"/> of its output tokens already
    /// made, with their first and last token times kept, so its TTFT and TPOT count from its own past.
    /// </summary>
    private Request Resumed(in RequestSpec spec, int generated, double firstTokenTime, double lastTokenTime, string what)
    {
        if (generated < 0 || generated >= spec.OutputTokens)
            throw new ArgumentException($"A {what} request has generated {generated} of its {spec.OutputTokens} output tokens; it must have some left.");
        var r = NewRequest(spec);
        r.Generated = generated;
        r.FirstTokenTime = generated > 0 ? firstTokenTime : double.NaN;
        r.LastTokenTime = generated > 0 ? lastTokenTime : double.NaN;
        return r;
    }
}
