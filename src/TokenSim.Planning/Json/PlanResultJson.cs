using System.Text.Json;
using System.Text.Json.Serialization;
using TokenSim.Core.Metrics;

namespace TokenSim.Planning.Json;

/// <summary>
/// The <c>tokensim plan --json</c> document; the same whether the plan ran in-process or on a server. Property order
/// is the document's key order; names become snake_case (<see cref="PlanJsonContext"/>).
/// </summary>
public sealed record PlanResultJson(
    bool Found,
    PlanResultJson.CandidateJson? Best,
    PlanResultJson.CandidateJson? Closest,
    PlanResultJson.SloJson Slo,
    PlanResultJson.TrafficJson Traffic,
    PlanResultJson.SearchJson Search,
    IReadOnlyList<PlanResultJson.CandidateJson> Frontier,
    IReadOnlyList<PlanResultJson.CandidateJson> Simulated,
    // What the answer minimised: cost or energy.
    string Objective)
{
    public static void Write(Stream stream, PlanResult r) => JsonSerializer.Serialize(stream, From(r), PlanJsonContext.Default.PlanResultJson);

    public static PlanResultJson From(PlanResult r) => new(
        r.Best is not null, CandidateJson.From(r.Best, r.TrafficRequests), CandidateJson.From(r.Closest, r.TrafficRequests),
        new SloJson(r.Slo.TtftSeconds, r.Slo.TpotSeconds, r.Slo.Percentile, r.Slo.Attainment, r.Slo.Describe()),
        new TrafficJson(r.TrafficDescription, r.TrafficRequests, r.TrafficDurationSeconds),
        new SearchJson(r.Exhaustive ? "exhaustive" : "bisection", r.Considered, r.SimulatedCount, r.Infeasible,
            r.DecidedWithoutSimulation, r.WallSeconds, r.Warnings, r.Pruned, r.StoppedEarlyCount),
        [.. r.Frontier.Select(c => CandidateJson.From(c, r.TrafficRequests)!)], [.. r.Simulated.Select(c => CandidateJson.From(c, r.TrafficRequests)!)],
        r.Objective.ToString().ToLowerInvariant());

    public sealed record SloJson(double? TtftS, double? TpotS, double Percentile, double? Attainment, string Description);

    public sealed record TrafficJson(string Description, long Requests, double DurationS);

    /// <param name="Pruned">Candidates not simulated because they cost more per hour than the answer (never the answer).</param>
    /// <param name="StoppedEarly">Simulations stopped once their candidate was certain to miss (each says so in its <c>stopped_early</c>).</param>
    public sealed record SearchJson(string Method, long Considered, long Simulated, long Infeasible, long DecidedWithoutSimulation, double WallS,
        IReadOnlyList<string> Warnings, long Pruned, long StoppedEarly);

    /// <summary>A stopped run: why, when (simulated seconds), and how many of the traffic's requests had finished; its figures cover those only.</summary>
    public sealed record StoppedEarlyJson(string Reason, double AtS, long FinishedRequests, long OfRequests);

    /// <summary>
    /// A candidate: either one that could not run (<see cref="CandidateErrorJson"/>, six keys and the error) or a
    /// simulated one (<see cref="SimulatedCandidateJson"/>, whose missing figures are explicit nulls). Written as the
    /// derived record, with no type discriminator: the two shapes tell themselves apart by their keys.
    /// </summary>
    [JsonDerivedType(typeof(CandidateErrorJson))]
    [JsonDerivedType(typeof(SimulatedCandidateJson))]
    public abstract record CandidateJson(
        // The six keys both shapes share come first: without an order System.Text.Json writes a derived record's own keys first.
        [property: JsonPropertyOrder(-1)] string Hardware,
        [property: JsonPropertyOrder(-1)] int Tp,
        [property: JsonPropertyOrder(-1)] string Scheduler,
        [property: JsonPropertyOrder(-1)] int Replicas,
        [property: JsonPropertyOrder(-1)] int Gpus,
        [property: JsonPropertyOrder(-1)] double CostPerHour)
    {
        /// <param name="requests">The traffic's request count, which a stopped run's finished count is of.</param>
        public static CandidateJson? From(CandidateResult? r, long requests)
        {
            if (r is null) return null;
            var c = r.Candidate;
            if (r.Error is not null) return new CandidateErrorJson(c.Hardware, c.Tp, c.Scheduler, c.Replicas, c.Gpus, r.CostPerHour, r.Error);
            return new SimulatedCandidateJson(c.Hardware, c.Tp, c.Scheduler, c.Replicas, c.Gpus, r.CostPerHour,
                r.MeetsSlo, Finite(r.TtftAtPercentile), Finite(r.TpotAtPercentile), r.Attainment,
                r.Ttft, r.Tpot, r.Requests, r.Rejected, r.OutputTokensPerSecond,
                r.KvUsageMax, r.Preemptions, r.WallSeconds, r.Worker, r.JoulesPerOutputToken, r.AveragePowerWatts,
                r.StopReason is { } why ? new StoppedEarlyJson(why, r.StoppedAtSeconds, r.Requests, requests) : null);
        }

        /// <summary>A percentile no request reached (no TPOT from one-token outputs) is null, not NaN (which JSON lacks).</summary>
        private static double? Finite(double x) => double.IsFinite(x) ? x : null;
    }

    public sealed record CandidateErrorJson(string Hardware, int Tp, string Scheduler, int Replicas, int Gpus, double CostPerHour, string Error)
        : CandidateJson(Hardware, Tp, Scheduler, Replicas, Gpus, CostPerHour);

    public sealed record SimulatedCandidateJson(
        string Hardware, int Tp, string Scheduler, int Replicas, int Gpus, double CostPerHour,
        bool MeetsSlo,
        double? TtftAtPercentileS,
        double? TpotAtPercentileS,
        double Attainment,
        Distribution TtftS,
        Distribution TpotS,
        long Requests,
        long Rejected,
        double OutputTokensPerS,
        double KvUsageMax,
        long Preemptions,
        double WallS,
        string Worker,
        // null where the candidate was not metered (a server's plan, a GPU without power figures).
        double? JoulesPerOutputToken,
        double? AveragePowerW,
        // null for a whole run; set when the run stopped once the candidate was certain to miss, and then every figure
        // above covers only the requests finished by then.
        StoppedEarlyJson? StoppedEarly)
        : CandidateJson(Hardware, Tp, Scheduler, Replicas, Gpus, CostPerHour);
}
