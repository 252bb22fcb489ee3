namespace TokenSim.Core.Metrics;

/// <summary>One replica's state at a sampling instant; the token counts are cumulative since the start.</summary>
public readonly record struct TimeSeriesPoint(double Time, int Replica, int Running, int Waiting, double KvUsage, int KvBlocksUsed, long PromptTokensServed, long TokensGenerated);
