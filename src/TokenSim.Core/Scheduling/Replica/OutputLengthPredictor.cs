using System.Globalization;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// Predicts a request's output length for shortest-first schedulers. <c>oracle</c> knows it, as an offline trace
/// does. <c>noisy:SIGMA</c> multiplies it by a log-normal error with that σ, modelling a learned predictor. The error
/// is drawn from a hash of the request id, so it is fixed per request, the same in every run, and the same in clones.
/// </summary>
public sealed class OutputLengthPredictor
{
    private readonly double _sigma;

    private OutputLengthPredictor(double sigma) => _sigma = sigma;

    public static OutputLengthPredictor Parse(string spec)
    {
        if (spec.Equals("oracle", StringComparison.OrdinalIgnoreCase)) return new(0);
        if (spec.StartsWith("noisy:", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(spec[6..], NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma) && sigma >= 0)
            return new(sigma);
        throw new ArgumentException($"Unknown length predictor '{spec}'. Known: oracle, noisy:SIGMA (e.g. noisy:0.5).");
    }

    public int Predict(Request r)
    {
        if (_sigma == 0) return r.OutputTokens;
        // Two uniforms hashed from the id (not drawn from the run's generator, so the error is the same whatever the
        // order requests arrive in), then Box–Muller.
        ulong state = (ulong)r.Id * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        double u1 = SimRandom.ToUnit(SimRandom.SplitMix64(ref state));
        double u2 = SimRandom.ToUnit(SimRandom.SplitMix64(ref state));
        double normal = SimRandom.BoxMuller(u1, u2);
        return Math.Max(1, (int)Math.Round(r.OutputTokens * Math.Exp(_sigma * normal)));
    }
}
