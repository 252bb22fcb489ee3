using TokenSim.Core.Validation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Tests;

/// <summary>Paths into the repository's data folder, and the measured run turned into twin events.</summary>
internal static class TestData
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TokenSim.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("TokenSim.sln not found above the test binaries.");
        }
    }

    public static string RunDir => Path.Combine(RepoRoot, "data", "runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B");
    public static string ProfileDir => Path.Combine(RepoRoot, "data", "profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");

    /// <summary>
    /// The run's requests as production would have reported them (arrival at queued_ts with its output length as
    /// max_tokens, as vLLM's benchmark client sends it; first token; finished), in time order, times relative to the
    /// first arrival.
    /// </summary>
    public static List<TwinEvent> RunEvents(VllmBenchRun run)
    {
        double origin = run.Requests.Min(r => r.QueuedTs);
        var events = new List<(double T, int Order, TwinEvent E)>();
        foreach (var r in run.Requests)
        {
            int output = Math.Max(1, r.OutputTokens);
            events.Add((r.QueuedTs - origin, 0, new RequestArrived { EventId = r.Id + "/arrived", Replica = 0, TimeSeconds = r.QueuedTs - origin, RequestId = r.Id, PromptTokens = r.PromptTokens, MaxTokens = output }));
            events.Add((r.FirstTokenTs - origin, 1, new FirstTokenProduced { EventId = r.Id + "/first", Replica = 0, TimeSeconds = r.FirstTokenTs - origin, RequestId = r.Id }));
            events.Add((r.LastTokenTs - origin, 2, new RequestFinished { EventId = r.Id + "/finished", Replica = 0, TimeSeconds = r.LastTokenTs - origin, RequestId = r.Id, OutputTokens = output }));
        }
        return events.OrderBy(e => e.T).ThenBy(e => e.Order).Select(e => e.E).ToList();
    }
}
