using TokenSim.Core.Entities;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// The rules an event must meet whatever the twin knows: its id and replica, a timestamp, and a payload that makes
/// sense for the deployment's spec. The deployment grain applies them once, as events enter the twin; a replica's
/// shadow then checks only what needs its state (a known request, a clock it is not behind).
/// </summary>
public sealed class TwinEventRules(string deployment, int replicas, int maxModelLen, int blockSize)
{
    public const int MaxEventIdLength = 128;
    public const int MaxRequestIdLength = 256;

    public static TwinEventRules For(TwinDeploymentSpec spec, ReplicaSpec replica) =>
        new(spec.Name, spec.Replicas, replica.MaxModelLen, replica.BlockSize);

    /// <summary>Why the event breaks a rule, or null.</summary>
    public string? Check(TwinEvent e)
    {
        if (string.IsNullOrEmpty(e.EventId) || e.EventId.Length > MaxEventIdLength) return $"event_id must be 1 to {MaxEventIdLength} characters";
        if (e.Replica < 0 || e.Replica >= replicas) return $"replica {e.Replica} is outside 0..{replicas - 1} of deployment '{deployment}'";
        return CheckContent(e);
    }

    /// <summary>The rules on the timestamp and the payload alone, for a shadow fed without a deployment grain.</summary>
    public string? CheckContent(TwinEvent e)
    {
        // The contract's missing timestamp arrives as NaN: no other field can say it was left out.
        if (!double.IsFinite(e.TimeSeconds)) return double.IsNaN(e.TimeSeconds) ? "produced_at is missing" : "produced_at is not a finite time";
        return e switch
        {
            EngineSnapshotTaken snapshot => CheckSnapshot(snapshot),
            RequestEvent { RequestId: var id } when string.IsNullOrEmpty(id) || id.Length > MaxRequestIdLength => $"request_id must be 1 to {MaxRequestIdLength} characters",
            RequestArrived arrived => CheckArrived(arrived),
            RequestObserved observed => CheckObserved(observed),
            RequestFinished { OutputTokens: < 1 } f => $"request_finished.output_tokens must be at least 1 (got {f.OutputTokens})",
            TokensProduced { OutputTokens: < 1 } p => $"tokens_progress.output_tokens must be at least 1 (got {p.OutputTokens})",
            // A prompt of at least one token shares the context with the output (vLLM caps max_tokens there): a count
            // beyond it is no engine's, and would skew the deployment's observed TPOT and throughput for good.
            RequestFinished f when f.OutputTokens >= maxModelLen => OutputBeyondContext("request_finished", f.OutputTokens),
            TokensProduced p when p.OutputTokens >= maxModelLen => OutputBeyondContext("tokens_progress", p.OutputTokens),
            _ => null,
        };
    }

    private string OutputBeyondContext(string field, int outputTokens) =>
        $"{field}.output_tokens {outputTokens} does not fit the model's {maxModelLen}-token context beside a prompt";

    private static string? CheckSnapshot(EngineSnapshotTaken e)
    {
        if (e.Running < 0 || e.Waiting < 0) return $"engine_snapshot: running and waiting must not be negative (got {e.Running}, {e.Waiting})";
        if (e.KvCacheUsage is { } kv && !(kv >= 0 && kv <= 1)) return $"engine_snapshot.kv_cache_usage must be a fraction in [0, 1] (got {kv})";
        if (e.KvBlocksTotal is < 1) return $"engine_snapshot.kv_blocks_total must be at least 1 (got {e.KvBlocksTotal})";
        return null;
    }

    private string? CheckArrived(RequestArrived e)
    {
        if (e.PromptTokens < 1) return $"request_arrived.prompt_tokens must be at least 1 (got {e.PromptTokens})";
        if (e.MaxTokens < 1) return $"request_arrived.max_tokens must be at least 1 (got {e.MaxTokens})";
        if (e.PromptTokens >= maxModelLen) return $"request_arrived.prompt_tokens {e.PromptTokens} leaves no room for output in the model's {maxModelLen}-token context";
        if (e.PromptTokenIds is { } ids && ids.Length != e.PromptTokens) return $"request_arrived.prompt_token_ids has {ids.Length} ids for {e.PromptTokens} prompt_tokens";
        // A hash per KV block the prompt fills: more cannot describe this prompt, and each one costs the simulation work.
        long maxHashes = ((long)e.PromptTokens + blockSize - 1) / blockSize;
        if (e.PrefixBlockHashes is { } hashes && hashes.Length > maxHashes)
            return $"request_arrived.prefix_block_hashes has {hashes.Length} hashes; a {e.PromptTokens}-token prompt fills at most {maxHashes} blocks of {blockSize} tokens";
        return null;
    }

    private string? CheckObserved(RequestObserved e)
    {
        if (e.PromptTokens < 1) return $"request_observed.prompt_tokens must be at least 1 (got {e.PromptTokens})";
        if (e.OutputTokens < 0) return $"request_observed.output_tokens must not be negative (got {e.OutputTokens})";
        if ((long)e.PromptTokens + e.OutputTokens > maxModelLen)
            return $"request_observed: {e.PromptTokens} prompt and {e.OutputTokens} output tokens do not fit the model's {maxModelLen}-token context";
        if (e.E2eSeconds is not { } e2e || !double.IsFinite(e2e) || e2e < 0) return $"request_observed.e2e must be a duration of 0 s or more (got {e.E2eSeconds?.ToString() ?? "none"})";
        foreach (var (name, v) in (ReadOnlySpan<(string, double?)>)[("ttft", e.TtftSeconds), ("queue", e.QueueSeconds), ("prefill", e.PrefillSeconds), ("decode", e.DecodeSeconds)])
            if (v is { } d && !(double.IsFinite(d) && d >= 0)) return $"request_observed.{name} must be a duration of 0 s or more (got {d})";
        return null;
    }
}
