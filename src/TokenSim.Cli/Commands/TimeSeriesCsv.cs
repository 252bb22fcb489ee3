using System.Globalization;
using TokenSim.Core.Metrics;

namespace TokenSim.Cli.Commands;

internal static class TimeSeriesCsv
{
    public static void Write(string path, IReadOnlyList<TimeSeriesPoint> points)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("time_s,replica,running,waiting,kv_usage,kv_blocks_used,prompt_tokens_total,generated_tokens_total");
        foreach (var p in points)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Time:R},{p.Replica},{p.Running},{p.Waiting},{p.KvUsage:R},{p.KvBlocksUsed},{p.PromptTokensServed},{p.TokensGenerated}"));
    }
}
