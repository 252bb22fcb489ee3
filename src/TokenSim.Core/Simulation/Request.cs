using System.Runtime.CompilerServices;

namespace TokenSim.Core.Simulation;

public enum RequestStatus : byte
{
    /// <summary>Submitted but its arrival time has not been reached.</summary>
    Pending,
    Waiting,
    Running,
    /// <summary>Its KV is on the way from a prefill replica to a decode replica.</summary>
    Transferring,
    Finished,
    /// <summary>Refused at arrival, as vLLM answers 400 (prompt plus output over the context length).</summary>
    Rejected,
    /// <summary>Withdrawn before it finished (the client went away): vLLM's <c>abort_requests</c>.</summary>
    Aborted,
}

/// <summary>
/// One request and its progress through the engine. Token accounting follows vLLM V1: the engine schedules
/// tokens until <see cref="NumComputed"/> catches up with <see cref="NumTokens"/> (prompt plus generated); the
/// step that catches up samples one new token.
/// </summary>
public sealed class Request
{
    public Request(long id, double arrivalTime, int promptTokens, int outputTokens)
    {
        Id = id;
        ArrivalTime = arrivalTime;
        PromptTokens = promptTokens;
        OutputTokens = outputTokens;
    }

    public long Id { get; }
    /// <summary>Seconds of simulated time at which the request reaches the engine.</summary>
    public double ArrivalTime { get; }
    public int PromptTokens { get; }
    /// <summary>Tokens it will generate before it stops (known offline; a prediction online).</summary>
    public int OutputTokens { get; internal set; }
    public int Priority { get; init; }
    /// <summary>Prefix block hashes as a trace gives them (Mooncake <c>hash_ids</c>), or null.</summary>
    public int[]? PrefixHashes { get; init; }
    /// <summary>Prompt token ids when the workload carries them, or null.</summary>
    public int[]? TokenIds { get; init; }
    /// <summary>Prompt tokens the real engine's prefix cache holds for it (see <see cref="RequestSpec.ExternalCachedTokens"/>), or null.</summary>
    public int? ExternalCachedTokens { get; init; }

    public RequestStatus Status { get; internal set; }
    public int Replica { get; internal set; } = -1;
    public int Generated { get; internal set; }
    public int NumComputed { get; internal set; }
    public int BlocksHeld { get; internal set; }
    /// <summary>Block ids held, in order (prefix-caching managers only; count-only managers leave it null).</summary>
    internal List<int>? BlockIds { get; set; }
    /// <summary>Chained hashes of this request's full blocks, computed as far as needed (prefix caching).</summary>
    internal long[]? BlockHashes { get; set; }
    internal int HashedBlocks { get; set; }
    /// <summary>How many of its leading blocks this request has registered in the prefix cache.</summary>
    internal int CachedBlocks { get; set; }
    /// <summary>Blocks of this request's KV held in swap space (0 when not swapped out).</summary>
    public int SwappedBlocks { get; internal set; }
    /// <summary>Preempted by lazy swap with its blocks still on the GPU.</summary>
    public bool SwapResident { get; internal set; }
    /// <summary>Tokens being sampled by steps in flight whose outputs have not been applied (vLLM's output placeholders).</summary>
    public int Placeholders { get; internal set; }
    public int Preemptions { get; internal set; }
    /// <summary>Prompt tokens found in the prefix cache at its first admission (vLLM's <c>num_cached_tokens</c>).</summary>
    public int CachedPromptTokens { get; internal set; }
    /// <summary>Bumped whenever the request leaves a replica's batch for good (preemption, hand-off to a decode pool): voids its steps in flight.</summary>
    internal int Epoch { get; set; }
    /// <summary>Steps in flight that include this request (pipeline parallelism keeps several in flight).</summary>
    internal int InFlight { get; set; }
    /// <summary>Tokens whose KV arrived from a prefill replica (disaggregated serving); admission starts from them.</summary>
    public int TransferredTokens { get; internal set; }

    /// <summary>
    /// When the engine took it from its input queue: vLLM drains arrivals only between steps, so this is the end of
    /// the step in flight at arrival (or the arrival itself on an idle replica). vLLM's <c>queued_ts</c>.
    /// </summary>
    public double QueuedTime { get; internal set; } = double.NaN;
    /// <summary>First time a scheduler admitted it (vLLM keeps the first SCHEDULED event), or NaN.</summary>
    public double ScheduledTime { get; internal set; } = double.NaN;
    public double FirstTokenTime { get; internal set; } = double.NaN;
    public double LastTokenTime { get; internal set; } = double.NaN;
    public double FinishTime { get; internal set; } = double.NaN;

    /// <summary>Prompt plus tokens generated so far: what must be in KV before the next token can be sampled.</summary>
    public int NumTokens { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => PromptTokens + Generated; }
    /// <summary>Tokens still to schedule: known tokens plus in-flight ones, minus those computed (a decode is 1).</summary>
    // Inlined by hand: the scheduler's loop is too big for the JIT to inline these without a profile (docs/speed.md).
    public int TokensToSchedule { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => NumTokens + Placeholders - NumComputed; }
    /// <summary>Every remaining output token is already being sampled by a step in flight.</summary>
    public bool AllTokensInFlight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Generated + Placeholders >= OutputTokens; }
    public bool IsPrefillDone => NumComputed >= NumTokens;
    public double TtftSeconds => FirstTokenTime - ArrivalTime;
    public double E2eSeconds => FinishTime - ArrivalTime;
    public double QueueSeconds => ScheduledTime - ArrivalTime;
    /// <summary>TTFT on the engine's clock, from <see cref="QueuedTime"/>, as vLLM's request stats compute it.</summary>
    public double EngineTtftSeconds => FirstTokenTime - QueuedTime;
    public double EngineE2eSeconds => FinishTime - QueuedTime;
    public double TpotSeconds => Generated > 1 ? (LastTokenTime - FirstTokenTime) / (Generated - 1) : 0;

    internal Request CloneState() => new(Id, ArrivalTime, PromptTokens, OutputTokens)
    {
        Priority = Priority, PrefixHashes = PrefixHashes, TokenIds = TokenIds, ExternalCachedTokens = ExternalCachedTokens, Status = Status, Replica = Replica,
        Generated = Generated, NumComputed = NumComputed, BlocksHeld = BlocksHeld, Preemptions = Preemptions, CachedPromptTokens = CachedPromptTokens, Placeholders = Placeholders, Epoch = Epoch, TransferredTokens = TransferredTokens, InFlight = InFlight,
        QueuedTime = QueuedTime, ScheduledTime = ScheduledTime, FirstTokenTime = FirstTokenTime, LastTokenTime = LastTokenTime, FinishTime = FinishTime,
        BlockIds = BlockIds is null ? null : [.. BlockIds], BlockHashes = (long[]?)BlockHashes?.Clone(), HashedBlocks = HashedBlocks,
        CachedBlocks = CachedBlocks, SwappedBlocks = SwappedBlocks, SwapResident = SwapResident,
    };

    public override string ToString() => $"req {Id} ({PromptTokens}+{OutputTokens}, {Status}, gen {Generated}, computed {NumComputed})";
}
