using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>
/// Prefix-aware routing, in the manner of SGLang's cache-aware router. The router remembers which replicas it sent
/// each prompt prefix to. It works on chained hashes of 512-token blocks, taken from the token ids or from the
/// trace's own 512-token block ids (Mooncake <c>hash_ids</c>). A request goes to the replicas that received its
/// deepest known block; among them, to the least loaded, so a prefix shared by everyone (a common system prompt)
/// spreads the load while a conversation's later turns follow their earlier ones. A replica with more than
/// 4× + 8 the outstanding requests of the least-loaded one is passed over, and so are requests with no prefix
/// information: both go to the least-loaded replica.
/// </summary>
public sealed class PrefixAffinityGlobalScheduler : IGlobalScheduler
{
    // Token-id prompts are cut at the size of the traces' hash ids, so routing has one granularity whichever a trace carries.
    private const int BlockTokens = PrefixHashBlocks.Tokens;
    private Dictionary<long, ulong> _owners = [];
    private readonly List<long> _scratch = [];

    public string Name => "prefix-affinity";

    public int Route(Request request, IReadOnlyList<ReplicaState> replicas)
    {
        int least = LeastLoaded(replicas, ulong.MaxValue);
        if (replicas.Count > 64 || !Hashes(request, _scratch)) return least;
        ulong candidates = 0;
        foreach (long h in _scratch)
        {
            if (!_owners.TryGetValue(h, out var owners)) break;
            candidates = owners;
        }
        int chosen = least;
        if (candidates != 0)
        {
            int best = LeastLoaded(replicas, candidates);
            if (replicas[best].Outstanding <= 4 * replicas[least].Outstanding + 8) chosen = best;
        }
        foreach (long h in _scratch) _owners[h] = (_owners.TryGetValue(h, out var o) ? o : 0) | (1UL << chosen);
        return chosen;
    }

    private static int LeastLoaded(IReadOnlyList<ReplicaState> replicas, ulong among)
    {
        int best = -1;
        for (int i = 0; i < replicas.Count; i++)
            if ((among & (1UL << Math.Min(i, 63))) != 0 && (best < 0 || replicas[i].Outstanding < replicas[best].Outstanding)) best = i;
        return best < 0 ? 0 : best;
    }

    /// <summary>Chained hashes of the request's whole 512-token prompt blocks; false when it carries no prefix information.</summary>
    private static bool Hashes(Request r, List<long> into)
    {
        into.Clear();
        long h = 0x50_52_45_46;
        if (r.TokenIds is { } ids)
        {
            for (int b = 0; (b + 1) * BlockTokens <= Math.Min(ids.Length, r.PromptTokens); b++)
            {
                for (int t = b * BlockTokens; t < (b + 1) * BlockTokens; t++) h = h * 1_000_003 ^ ids[t];
                into.Add(h);
            }
            return true;
        }
        if (r.PrefixHashes is { } ph)
        {
            foreach (int id in ph)
            {
                h = h * 1_000_003 ^ id;
                into.Add(h);
            }
            return true;
        }
        return false;
    }

    public IGlobalScheduler Clone() => new PrefixAffinityGlobalScheduler { _owners = new Dictionary<long, ulong>(_owners) };
}
