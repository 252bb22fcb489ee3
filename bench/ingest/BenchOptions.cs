using System.Globalization;

namespace TokenSim.Bench.Ingest;

/// <summary>The benchmark's command line.</summary>
internal sealed record BenchOptions
{
    public string Server { get; init; } = "http://127.0.0.1:7100";
    public int Replicas { get; init; } = 8;
    public int BatchEvents { get; init; } = 100;
    public int Concurrency { get; init; } = 8;
    public double DurationSeconds { get; init; } = 10;
    public double WarmupSeconds { get; init; } = 3;
    public int Repeats { get; init; } = 3;
    /// <summary>Unreported repeats first: the server's JIT tiers up over its first tens of thousands of events.</summary>
    public int WarmupRepeats { get; init; } = 1;
    /// <summary>Production arrivals per second on each replica.</summary>
    public double RatePerReplica { get; init; } = 20;
    /// <summary>Production seconds between two engine snapshots of a replica.</summary>
    public double SnapshotInterval { get; init; } = 0.1;
    public string Model { get; init; } = "Llama-3.1-8B";
    public string Hardware { get; init; } = "RTXPRO6000";
    public string? ApiKey { get; init; }
    public string? JsonPath { get; init; }

    public const string Usage = """
        usage: TokenSim.Bench.Ingest [--server URL] [--replicas 8] [--batch 100] [--concurrency 8] [--duration 10]
                                     [--warmup 3] [--repeats 3] [--warmup-repeats 1] [--rate 20] [--snapshot-interval 0.1]
                                     [--model Llama-3.1-8B] [--hardware RTXPRO6000] [--api-key KEY] [--json FILE]
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            if (i + 1 >= args.Length) throw new ArgumentException($"{flag} needs a value.");
            string v = args[++i];
            o = flag switch
            {
                "--server" => o with { Server = v },
                "--replicas" => o with { Replicas = Int(flag, v, 1) },
                "--batch" => o with { BatchEvents = Int(flag, v, 1) },
                "--concurrency" => o with { Concurrency = Int(flag, v, 1) },
                "--duration" => o with { DurationSeconds = Num(flag, v) },
                "--warmup" => o with { WarmupSeconds = Num(flag, v, allowZero: true) },
                "--repeats" => o with { Repeats = Int(flag, v, 1) },
                "--warmup-repeats" => o with { WarmupRepeats = Int(flag, v, 0) },
                "--rate" => o with { RatePerReplica = Num(flag, v) },
                "--snapshot-interval" => o with { SnapshotInterval = Num(flag, v) },
                "--model" => o with { Model = v },
                "--hardware" => o with { Hardware = v },
                "--api-key" => o with { ApiKey = v },
                "--json" => o with { JsonPath = v },
                _ => throw new ArgumentException($"unknown option {flag}"),
            };
        }
        if (o.BatchEvents > 1000) throw new ArgumentException("--batch: the server takes at most 1000 events a call.");
        return o;
    }

    private static int Int(string flag, string v, int min) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min ? n
            : throw new ArgumentException($"{flag} must be an integer of at least {min} (got '{v}').");

    private static double Num(string flag, string v, bool allowZero = false) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && (d > 0 || (allowZero && d == 0)) ? d
            : throw new ArgumentException($"{flag} must be a {(allowZero ? "non-negative" : "positive")} number (got '{v}').");
}
