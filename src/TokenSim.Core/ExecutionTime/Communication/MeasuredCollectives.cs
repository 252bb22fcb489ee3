using System.Collections.Concurrent;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// Measured collective times for one GPU, read from AIConfigurator's tables in <c>data/profiles/aiconfigurator</c>
/// (NCCL all-reduce, all-gather and reduce-scatter; vLLM's custom all-reduce in a CUDA graph and eagerly), by rank
/// count and message size. Where a table has the rank count, it answers; elsewhere the models do.
/// </summary>
public sealed class MeasuredCollectives
{
    private static readonly ConcurrentDictionary<string, MeasuredCollectives?> Cache = new(StringComparer.Ordinal);
    private readonly Dictionary<(CommPath, CollectiveOp), Dictionary<int, GridInterpolator>> _tables = [];

    private MeasuredCollectives(string source, IEnumerable<CommTable> tables)
    {
        Source = source;
        // One table per path and collective; fp16/bf16 rows win over int8 (what a model's activations are).
        foreach (var t in tables.OrderBy(t => t.Name.Contains("int8", StringComparison.Ordinal) ? 1 : 0))
        {
            if (_tables.ContainsKey((t.Path, t.Op))) continue;
            _tables[(t.Path, t.Op)] = t.Points.GroupBy(p => p.Ranks).ToDictionary(g => g.Key,
                g => ProfileReader.Grid($"{t.Name}@{g.Key}", ["bytes"], g.Select(p => (new[] { p.Bytes }, p.Seconds))));
        }
    }

    /// <summary>The folder the tables came from.</summary>
    public string Source { get; }

    /// <summary>The measured tables for <paramref name="hardware"/> under the data folder, or null when there are none.</summary>
    public static MeasuredCollectives? For(HardwareSpec hardware, string? dataFolder = null)
    {
        var root = dataFolder ?? DataFolder.Default;
        if (root is null) return null;
        return Cache.GetOrAdd($"{root}|{hardware.Name}", _ =>
        {
            var opData = Path.Combine(root, "profiles", "aiconfigurator", "op_data");
            if (!Directory.Exists(opData)) return null;
            foreach (var gpuDir in Directory.EnumerateDirectories(opData).Order(StringComparer.Ordinal))
            {
                if (ProfileReader.InferHardware(gpuDir, out string? _)?.Name != hardware.Name) continue;
                var comm = Path.Combine(gpuDir, "comm");
                if (!Directory.Exists(comm)) continue;
                var tables = ProfileReader.Read(comm).SelectMany(CommTables.From).ToList();
                return tables.Count > 0 ? new MeasuredCollectives(comm, tables) : null;
            }
            return null;
        });
    }

    /// <summary>The measured time, or null when no table holds this path, collective and rank count.</summary>
    public double? Seconds(CommPath path, CollectiveOp op, double bytes, int ranks) =>
        _tables.TryGetValue((path, op), out var byRanks) && byRanks.TryGetValue(ranks, out var t) ? t.Evaluate(bytes) : null;
}
