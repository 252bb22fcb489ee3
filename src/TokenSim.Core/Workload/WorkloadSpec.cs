using System.Globalization;
using TokenSim.Core.Entities;

namespace TokenSim.Core.Workload;

/// <summary>
/// Parses a <c>--workload</c> value into a source: a trace file replayed as-is (streamed, <see cref="TraceFileWorkloadSource"/>), or a generator —
/// <c>poisson:rate=R,n=N[,lengths=FILE|input=..,output=..]</c>, <c>gamma:rate=R,cv=C,n=N,...</c>,
/// <c>burst:n=N,input=I,output=O</c>, <c>closed:concurrency=C,n=N,input=I,output=O</c>,
/// <c>diurnal:peak=R|scale=F[,day=D,hours=H,cv=C]</c> (measured days, <see cref="DiurnalWorkloadSource"/>). Lengths are
/// <c>N</c>, <c>LOW..HIGH</c> or <c>zipf(S,MAX)</c>; <c>lengths=</c> takes a trace file or the built-in
/// <c>azure-conv</c> / <c>azure-code</c>, drawing only rows that fit the model's context. Generators without
/// lengths draw from <c>azure-conv</c>.
/// </summary>
public static class WorkloadSpec
{
    public const string DefaultLengths = "azure-conv";

    /// <summary>A built source and what the user should know about it (rows left out, rows that will be rejected).</summary>
    public sealed record Built(IWorkloadSource Source, string Description, IReadOnlyList<string> Notes);

    public static Built Build(string spec, int maxModelLen)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new ArgumentException("--workload is empty.");
        int colon = spec.IndexOf(':');
        string kind = colon > 0 ? spec[..colon].Trim().ToLowerInvariant() : "";
        if (kind is not ("poisson" or "gamma" or "burst" or "closed" or "diurnal"))
        {
            // Two passes in bounded memory: a scan for the count, the notes and the Azure origin, then the replay.
            var trace = TraceReader.Scan(spec, maxModelLen);
            if (!trace.HasArrivals)
                throw new ArgumentException($"{spec}: this {trace.Format} trace has no arrival times; use it for lengths, e.g. poisson:rate=2,n=1000,lengths={spec}.");
            var notes = trace.NotFitting > 0
                ? new[] { $"{trace.NotFitting:N0} of {trace.Requests:N0} requests do not fit max_model_len {maxModelLen:N0} (or ask for under 1 token) and will be rejected, as vLLM answers 400" }
                : [];
            return new Built(new TraceFileWorkloadSource(trace), $"{trace.Format} trace {Path.GetFileName(spec)} ({trace.Requests:N0} requests)", notes);
        }

        var args = ParseArgs(spec[(colon + 1)..], spec);
        string Arg(string key) => args.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--workload '{spec}': '{kind}' needs '{key}='.");
        double Positive(string key)
        {
            var raw = Arg(key);
            return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && double.IsFinite(d)
                ? d : throw new ArgumentException($"--workload '{spec}': '{key}={raw}' must be a positive number.");
        }
        long Count(string key)
        {
            var raw = Arg(key);
            return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"--workload '{spec}': '{key}={raw}' must be a positive integer.");
        }

        var noteList = new List<string>();
        foreach (var key in args.Keys)
        {
            string[] allowed = kind switch
            {
                "poisson" => ["rate", "n", "lengths", "input", "output"],
                "gamma" => ["rate", "cv", "n", "lengths", "input", "output"],
                "burst" => ["n", "lengths", "input", "output"],
                "diurnal" => ["peak", "scale", "day", "hours", "cv", "lengths", "input", "output"],
                _ => ["concurrency", "n", "lengths", "input", "output"],
            };
            if (!allowed.Contains(key)) throw new ArgumentException($"--workload '{spec}': unknown key '{key}' for {kind}. Known: {string.Join(", ", allowed)}.");
        }
        var (lengths, lengthText) = BuildLengths(args, spec, maxModelLen, noteList);
        if (kind == "diurnal") return Diurnal(args, spec, Positive, lengths, lengthText, noteList);
        long count = Count("n");
        IWorkloadSource source = kind switch
        {
            "poisson" => new GeneratedWorkloadSource(ArrivalProcess.Poisson, Positive("rate"), 1, count, lengths),
            "gamma" => new GeneratedWorkloadSource(ArrivalProcess.Gamma, Positive("rate"), Positive("cv"), count, lengths),
            "burst" => new GeneratedWorkloadSource(ArrivalProcess.Burst, 1, 1, count, lengths),
            _ => new ClosedLoopWorkloadSource((int)Math.Min(int.MaxValue, Count("concurrency")), count, lengths),
        };
        string arrivals = kind switch
        {
            "poisson" => $"Poisson arrivals at {Arg("rate")} req/s",
            "gamma" => $"Gamma arrivals at {Arg("rate")} req/s (CV {Arg("cv")})",
            "burst" => "all arriving at t=0",
            _ => $"closed loop at concurrency {Arg("concurrency")}",
        };
        return new Built(source, $"{count:N0} requests, {arrivals}, lengths {lengthText}", noteList);
    }

    private static Built Diurnal(Dictionary<string, string> args, string spec, Func<string, double> positive, LengthSampler lengths, string lengthText, List<string> notes)
    {
        var rates = ServeGenRates.MLarge;
        int days = (int)(rates.Windows * ServeGenRates.WindowSeconds / 86400);
        int Whole(string key, int fallback, int min, int max)
        {
            if (!args.TryGetValue(key, out var raw)) return fallback;
            return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new ArgumentException($"--workload '{spec}': '{key}={raw}' must be a whole number from {min} to {max}.");
        }
        int day = Whole("day", 0, 0, days - 1);
        int hours = Whole("hours", 24, 1, (days - day) * 24);
        int first = (int)(day * 86400 / ServeGenRates.WindowSeconds), windows = (int)(hours * 3600 / ServeGenRates.WindowSeconds);
        double busiest = Enumerable.Range(first, windows).Max(rates.Total);
        if (args.ContainsKey("peak") == args.ContainsKey("scale"))
            throw new ArgumentException($"--workload '{spec}': diurnal needs exactly one of peak= (requests/s in the busiest 10 minutes) and scale= (a multiple of the measured rates).");
        if (busiest == 0) throw new ArgumentException($"--workload '{spec}': the measured rates have no request in those {hours} hours.");
        double scale = args.ContainsKey("peak") ? positive("peak") / busiest : positive("scale");
        double? cv = args.ContainsKey("cv") ? positive("cv") : null;
        var source = new DiurnalWorkloadSource(rates, first, windows, scale, cv, lengths);
        double mean = Enumerable.Range(first, windows).Average(rates.Total) * scale;
        string burst = cv is { } c ? $"CV {c.ToString(CultureInfo.InvariantCulture)}" : "each window's measured CV";
        return new Built(source, $"{hours} h of ServeGen m-large rates from day {day} (mean {mean:0.##}, peak {busiest * scale:0.##} req/s, {burst}), lengths {lengthText}", notes);
    }

    private static (LengthSampler, string) BuildLengths(Dictionary<string, string> args, string spec, int maxModelLen, List<string> notes)
    {
        bool hasInput = args.TryGetValue("input", out var input), hasOutput = args.TryGetValue("output", out var output);
        if (args.TryGetValue("lengths", out var file))
        {
            if (hasInput || hasOutput) throw new ArgumentException($"--workload '{spec}': give either lengths= or input=/output=, not both.");
            return FromTrace(file, maxModelLen, notes);
        }
        if (hasInput != hasOutput) throw new ArgumentException($"--workload '{spec}': give both input= and output= (or lengths=FILE).");
        if (!hasInput) return FromTrace(DefaultLengths, maxModelLen, notes);
        var p = LengthDistribution.Parse(input!, "input");
        var o = LengthDistribution.Parse(output!, "output");
        if (p.Max + o.Max > maxModelLen)
            notes.Add($"input up to {p.Max:N0} plus output up to {o.Max:N0} can exceed max_model_len {maxModelLen:N0}: such requests are rejected, as vLLM answers 400");
        return (new LengthSampler.Independent(p, o), $"input {input}, output {output}");
    }

    /// <summary>The rows of a trace (<c>azure-conv</c>, <c>azure-code</c> or a file) that fit <paramref name="maxModelLen"/>, with a description and notes.</summary>
    public static (LengthSampler.FromTrace Sampler, string Description, List<string> Notes) TraceLengths(string file, int maxModelLen)
    {
        var notes = new List<string>();
        var (sampler, text) = FromTrace(file, maxModelLen, notes);
        return ((LengthSampler.FromTrace)sampler, text, notes);
    }

    private static (LengthSampler, string) FromTrace(string file, int maxModelLen, List<string> notes)
    {
        // Lengths are read a row at a time; only the fitting (prompt, output) pairs are kept, since draws come from all of them.
        var reader = file.ToLowerInvariant() switch
        {
            "azure-conv" => new TraceRowReader(EmbeddedData.Open("traces/azure-conv.csv"), "AzureLLMInferenceTrace_conv.csv"),
            "azure-code" => new TraceRowReader(EmbeddedData.Open("traces/azure-code.csv"), "AzureLLMInferenceTrace_code.csv"),
            _ => TraceRowReader.OpenFile(file),
        };
        string source = reader.Source;
        var (rows, _, note) = Trace.LengthsFitting(TraceReader.Rows(reader), source, maxModelLen);
        if (note is not null) notes.Add(note);
        if (rows.Length == 0) throw new ArgumentException($"No row of {file} fits max_model_len {maxModelLen}.");
        return (new LengthSampler.FromTrace(rows), $"from {Path.GetFileName(source)} ({rows.Length:N0} rows)");
    }

    private static Dictionary<string, string> ParseArgs(string text, string spec)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // Split on commas outside parentheses, so zipf(1.1,4000) stays whole.
        int depth = 0, start = 0;
        var parts = new List<string>();
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ',' && depth == 0)) { parts.Add(text[start..i]); start = i + 1; }
            else if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
        }
        foreach (var part in parts)
        {
            if (part.Trim().Length == 0) continue;
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--workload '{spec}': '{part}' is not key=value.");
            d[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return d;
    }
}
