using System.Globalization;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Planning;

/// <summary>
/// The arrivals every candidate of a plan is simulated against, drawn once so that candidates differ only in their
/// configuration, never in their traffic.
/// </summary>
public sealed record Traffic(RequestSpec[] Requests, string Description)
{
    /// <summary>
    /// The most requests a plan's traffic holds: a plan keeps every request in memory (about 50 bytes each) to replay
    /// it to each candidate. A million is the largest trace measured here (README, "Trace files"); a rate times a
    /// duration beyond it would otherwise take all of a server's memory from one small request.
    /// </summary>
    public const int MaxRequests = 1_000_000;

    public double DurationSeconds => Requests.Length < 2 ? 0 : Requests[^1].ArrivalTime - Requests[0].ArrivalTime;
    public double RatePerSecond => DurationSeconds > 0 ? (Requests.Length - 1) / DurationSeconds : 0;

    /// <summary>
    /// The traffic times <paramref name="growth"/>: arrival times (from the first) divided by it, so the same
    /// requests, with their lengths, come <paramref name="growth"/> times as fast.
    /// </summary>
    public Traffic Grown(double growth)
    {
        if (!(growth > 0 && double.IsFinite(growth))) throw new ArgumentException($"traffic.growth must be a positive number (got {growth}).");
        if (growth == 1) return this;
        double t0 = Requests.Length == 0 ? 0 : Requests[0].ArrivalTime;
        var grown = Requests.Select(r => r with { ArrivalTime = t0 + (r.ArrivalTime - t0) / growth }).ToArray();
        return new Traffic(grown, $"{Description}, × {growth.ToString("G4", CultureInfo.InvariantCulture)} growth");
    }

    /// <summary>Arrivals given one by one (a trace a client read, or a deployment's recorded window); sorted by time.</summary>
    public static Traffic FromArrivals(IEnumerable<RequestSpec> requests, string description)
    {
        var sorted = new TraceWorkloadSource(requests);
        var list = new List<RequestSpec>();
        var rnd = new SimRandom(0);
        while (sorted.TryNext(0, rnd, out var r)) list.Add(r);
        if (list.Count == 0) throw new ArgumentException("traffic has no requests.");
        for (int i = 0; i < list.Count; i++)
        {
            var r = list[i];
            if (r.PromptTokens < 1 || r.OutputTokens < 1 || !double.IsFinite(r.ArrivalTime))
                throw new ArgumentException($"traffic request {i} (arrival {r.ArrivalTime}) needs a finite arrival time and at least 1 prompt and 1 output token (got {r.PromptTokens} and {r.OutputTokens}).");
        }
        // A client's description of the traffic it drew already starts with its count: say it once.
        string count = $"{list.Count:N0} requests";
        return new Traffic([.. list], description.StartsWith(count, StringComparison.Ordinal) ? description : $"{count}, {description}");
    }

    /// <summary>
    /// A <c>--workload</c> spec (a trace file, or an open-loop generator) drawn with <paramref name="seed"/>; lengths
    /// drawn from a trace only from rows that fit <paramref name="maxModelLen"/>. A closed loop is refused: its
    /// arrivals depend on the candidate serving it.
    /// </summary>
    public static Traffic FromWorkload(string spec, int maxModelLen, ulong seed)
    {
        var built = WorkloadSpec.Build(spec, maxModelLen);
        if (built.Source is ClosedLoopWorkloadSource)
            throw new ArgumentException($"traffic workload '{spec}' is a closed loop, whose arrivals depend on the candidate; give an open-loop workload (poisson, gamma, burst or a trace).");
        var rnd = new SimRandom(seed);
        var list = new List<RequestSpec>();
        while (built.Source.TryNext(0, rnd, out var r))
        {
            if (list.Count == MaxRequests) throw new ArgumentException($"traffic workload '{spec}' has more than {MaxRequests:N0} requests, the most a plan's traffic holds.");
            list.Add(r);
        }
        if (list.Count == 0) throw new ArgumentException($"traffic workload '{spec}' has no requests.");
        return new Traffic([.. list], built.Description);
    }

    /// <summary>Poisson arrivals at <paramref name="rate"/> for <paramref name="durationSeconds"/>, with lengths from <paramref name="lengths"/>.</summary>
    public static Traffic FromRate(double rate, double durationSeconds, string lengths, int maxModelLen, ulong seed)
    {
        if (!(rate > 0 && double.IsFinite(rate))) throw new ArgumentException($"traffic.rate must be a positive number of requests per second (got {rate}).");
        if (!(durationSeconds > 0 && double.IsFinite(durationSeconds))) throw new ArgumentException($"traffic.duration_s must be a positive number of seconds (got {durationSeconds}).");
        long n = Math.Max(1, (long)Math.Round(rate * durationSeconds));
        if (n > MaxRequests)
            throw new ArgumentException(FormattableString.Invariant($"traffic.rate × traffic.duration_s is {rate * durationSeconds:G4} requests; a plan's traffic holds at most {MaxRequests:N0}."));
        string lengthArgs = string.IsNullOrWhiteSpace(lengths) ? $"lengths={WorkloadSpec.DefaultLengths}"
            : lengths.Contains('=') ? lengths : $"lengths={lengths}";
        return FromWorkload(FormattableString.Invariant($"poisson:rate={rate},n={n},{lengthArgs}"), maxModelLen, seed);
    }
}
