using System.Text.RegularExpressions;
using TokenSim.Core.Entities;

namespace TokenSim.Twin.Abstractions;

/// <summary>Checks a deployment spec and builds the simulator's replica from it.</summary>
public static partial class DeploymentSpecs
{
    public const int MaxReplicas = EngineLimits.MaxReplicas;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex NamePattern();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem; else the replica spec.</summary>
    /// <remarks>Model and GPU come from the catalogs only: a server never reads a file a client names there.</remarks>
    public static ReplicaSpec Build(TwinDeploymentSpec spec)
    {
        if (!NamePattern().IsMatch(spec.Name ?? "")) throw new ArgumentException($"spec.name '{Shown(spec.Name)}' must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-'.");
        if (spec.Replicas is < 1 or > MaxReplicas) throw new ArgumentException($"spec.replicas must be 1 to {MaxReplicas} (got {spec.Replicas}).");
        if (spec.TensorParallel < 1) throw new ArgumentException($"spec.tensor_parallel must be at least 1 (got {spec.TensorParallel}).");
        Positive(spec.MaxNumSeqs, "max_num_seqs");
        Positive(spec.MaxNumBatchedTokens, "max_num_batched_tokens");
        Positive(spec.BlockSize, "block_size");
        Positive(spec.KvBlocks, "kv_blocks");
        Positive(spec.MaxModelLen, "max_model_len");
        if (spec.GpuMemoryUtilization is { } u && !(u > 0 && u <= 1)) throw new ArgumentException($"spec.engine.gpu_memory_utilization must be in (0, 1] (got {u}).");
        if (!ModelCatalog.TryGet(spec.Model ?? "", out var model))
            throw new ArgumentException($"spec.model: unknown model '{Shown(spec.Model)}'. Known: {string.Join(", ", ModelCatalog.Names)}.");
        if (!HardwareCatalog.TryGet(spec.Hardware ?? "", out var hardware))
            throw new ArgumentException($"spec.hardware: unknown GPU '{Shown(spec.Hardware)}'. Known: {string.Join(", ", HardwareCatalog.Names)}.");
        var engine = new EngineConfig
        {
            TensorParallel = spec.TensorParallel,
            MaxNumSeqs = spec.MaxNumSeqs,
            MaxNumBatchedTokens = spec.MaxNumBatchedTokens,
            BlockSize = spec.BlockSize ?? 16,
            KvBlocks = spec.KvBlocks,
            MaxModelLen = spec.MaxModelLen,
            EnablePrefixCaching = spec.EnablePrefixCaching,
            GpuMemoryUtilization = spec.GpuMemoryUtilization ?? 0.9,
            Scheduler = string.IsNullOrWhiteSpace(spec.Scheduler) ? "vllm-v1" : spec.Scheduler,
        };
        try
        {
            return ReplicaSpec.Create(model, hardware, engine);
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"spec: {Shown(e.Message, 2000)}", e);
        }
    }

    /// <summary>
    /// A client's text as an error may quote it: one line (a status detail is shown and logged as one), control
    /// characters as <c>\xNN</c>, at most <paramref name="max"/> characters.
    /// </summary>
    private static string Shown(string? text, int max = 128)
    {
        text ??= "";
        var cut = text.Length > max ? text[..max] : text;
        var shown = string.Concat(cut.Select(c => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString()));
        return text.Length > max ? shown + "…" : shown;
    }

    private static void Positive(int? value, string name)
    {
        if (value is { } v && v < 1) throw new ArgumentException($"spec.engine.{name} must be at least 1 (got {v}).");
    }
}
