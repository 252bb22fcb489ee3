using System.Globalization;

namespace TokenSim.Bench.Spans;

/// <summary>The span benchmark's command line.</summary>
internal sealed record SpanBenchOptions
{
    public string Server { get; init; } = "http://127.0.0.1:7100";
    public string Http { get; init; } = "http://127.0.0.1:7101";
    public string Transport { get; init; } = "grpc";
    public int Replicas { get; init; } = 8;
    /// <summary>Spans per export: 512 is the OpenTelemetry SDK's batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), as vLLM exports.</summary>
    public int Batch { get; init; } = 512;
    public int Concurrency { get; init; } = 4;
    public double DurationSeconds { get; init; } = 10;
    public double WarmupSeconds { get; init; } = 3;
    public int Repeats { get; init; } = 3;
    public int WarmupRepeats { get; init; } = 1;
    public string? JsonPath { get; init; }
    /// <summary>The server's process id, on the same machine: its CPU time per repeat is read from /proc.</summary>
    public int? ServerPid { get; init; }

    public const string Usage = """
        usage: TokenSim.Bench.Spans [--server http://127.0.0.1:7100] [--http http://127.0.0.1:7101] [--transport grpc|http]
                                    [--replicas 8] [--batch 512] [--concurrency 4] [--duration 10] [--warmup 3]
                                    [--repeats 3] [--warmup-repeats 1] [--server-pid PID] [--json FILE]
        """;

    public static SpanBenchOptions Parse(string[] args)
    {
        var o = new SpanBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            if (i + 1 >= args.Length) throw new ArgumentException($"{flag} needs a value.");
            string v = args[++i];
            o = flag switch
            {
                "--server" => o with { Server = v },
                "--http" => o with { Http = v },
                "--transport" => v is "grpc" or "http" ? o with { Transport = v } : throw new ArgumentException($"--transport must be grpc or http (got '{v}')."),
                "--replicas" => o with { Replicas = Int(flag, v, 1) },
                "--batch" => o with { Batch = Int(flag, v, 1) },
                "--concurrency" => o with { Concurrency = Int(flag, v, 1) },
                "--duration" => o with { DurationSeconds = Num(flag, v) },
                "--warmup" => o with { WarmupSeconds = Num(flag, v, allowZero: true) },
                "--repeats" => o with { Repeats = Int(flag, v, 1) },
                "--warmup-repeats" => o with { WarmupRepeats = Int(flag, v, 0) },
                "--json" => o with { JsonPath = v },
                "--server-pid" => o with { ServerPid = Int(flag, v, 1) },
                _ => throw new ArgumentException($"unknown option {flag}"),
            };
        }
        return o;
    }

    private static int Int(string flag, string v, int min) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min ? n
            : throw new ArgumentException($"{flag} must be an integer of at least {min} (got '{v}').");

    private static double Num(string flag, string v, bool allowZero = false) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && (d > 0 || (allowZero && d == 0)) ? d
            : throw new ArgumentException($"{flag} must be a {(allowZero ? "non-negative" : "positive")} number (got '{v}').");
}
