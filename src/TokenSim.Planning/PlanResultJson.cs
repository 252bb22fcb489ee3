using System.Text.Json;
using TokenSim.Core.Metrics;
using TokenSim.Core.Metrics.Json;

namespace TokenSim.Planning;

/// <summary>
/// The <c>tokensim plan --json</c> document; the same whether the plan ran in-process or on a server. Written as a
/// stream: a candidate is either an error (six keys) or a full result whose missing figures are explicit nulls, a
/// shape a record would need two types and a converter for.
/// </summary>
public static class PlanResultJson
{
    public static void Write(Stream stream, PlanResult r)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteBoolean("found", r.Best is not null);
        w.WritePropertyName("best");
        Candidate(w, r.Best);
        w.WritePropertyName("closest");
        Candidate(w, r.Closest);
        w.WriteStartObject("slo");
        Number(w, "ttft_s", r.Slo.TtftSeconds);
        Number(w, "tpot_s", r.Slo.TpotSeconds);
        w.WriteNumber("percentile", r.Slo.Percentile);
        Number(w, "attainment", r.Slo.Attainment);
        w.WriteString("description", r.Slo.Describe());
        w.WriteEndObject();
        w.WriteStartObject("traffic");
        w.WriteString("description", r.TrafficDescription);
        w.WriteNumber("requests", r.TrafficRequests);
        w.WriteNumber("duration_s", r.TrafficDurationSeconds);
        w.WriteEndObject();
        w.WriteStartObject("search");
        w.WriteString("method", r.Exhaustive ? "exhaustive" : "bisection");
        w.WriteNumber("considered", r.Considered);
        w.WriteNumber("simulated", r.SimulatedCount);
        w.WriteNumber("infeasible", r.Infeasible);
        w.WriteNumber("decided_without_simulation", r.Considered - r.SimulatedCount - r.Infeasible);
        w.WriteNumber("wall_s", r.WallSeconds);
        w.WriteStartArray("warnings");
        foreach (var warning in r.Warnings) w.WriteStringValue(warning);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("frontier");
        foreach (var c in r.Frontier) Candidate(w, c);
        w.WriteEndArray();
        w.WriteStartArray("simulated");
        foreach (var c in r.Simulated) Candidate(w, c);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Candidate(Utf8JsonWriter w, CandidateResult? r)
    {
        if (r is null) { w.WriteNullValue(); return; }
        w.WriteStartObject();
        w.WriteString("hardware", r.Candidate.Hardware);
        w.WriteNumber("tp", r.Candidate.Tp);
        w.WriteString("scheduler", r.Candidate.Scheduler);
        w.WriteNumber("replicas", r.Candidate.Replicas);
        w.WriteNumber("gpus", r.Candidate.Gpus);
        w.WriteNumber("cost_per_hour", r.CostPerHour);
        if (r.Error is not null)
        {
            w.WriteString("error", r.Error);
            w.WriteEndObject();
            return;
        }
        w.WriteBoolean("meets_slo", r.MeetsSlo);
        Number(w, "ttft_at_percentile_s", r.TtftAtPercentile);
        Number(w, "tpot_at_percentile_s", r.TpotAtPercentile);
        w.WriteNumber("attainment", r.Attainment);
        WriteDistribution(w, "ttft_s", r.Ttft);
        WriteDistribution(w, "tpot_s", r.Tpot);
        w.WriteNumber("requests", r.Requests);
        w.WriteNumber("rejected", r.Rejected);
        w.WriteNumber("output_tokens_per_s", r.OutputTokensPerSecond);
        w.WriteNumber("kv_usage_max", r.KvUsageMax);
        w.WriteNumber("preemptions", r.Preemptions);
        w.WriteNumber("wall_s", r.WallSeconds);
        w.WriteString("worker", r.Worker);
        w.WriteEndObject();
    }

    /// <summary>A distribution in the shape <c>simulate --json</c> writes (one record serves both).</summary>
    private static void WriteDistribution(Utf8JsonWriter w, string name, Distribution d)
    {
        w.WritePropertyName(name);
        JsonSerializer.Serialize(w, DistributionJson.From(d), CoreJsonContext.Default.DistributionJson);
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

}
