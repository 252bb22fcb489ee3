using System.Globalization;
using TokenSim.Core.Simulation;
using TokenSim.Planning;

namespace TokenSim.Twin.Abstractions;

/// <summary>A deployment's recent traffic, from the arrivals its replica grains recorded.</summary>
public static class LiveWindow
{
    /// <summary>
    /// The arrivals of the last <paramref name="windowSeconds"/> of the deployment's clock (0: all recorded), each with
    /// its observed output length when it finished, else the length the twin predicted for it at arrival.
    /// </summary>
    public static Traffic Traffic(string deployment, IReadOnlyList<RequestAccuracy> records, double windowSeconds)
    {
        if (!(windowSeconds >= 0 && double.IsFinite(windowSeconds)))
            throw new ArgumentException($"traffic.live.window_s must be 0 (everything recorded) or a positive number of seconds (got {windowSeconds}).");
        if (records.Count == 0) throw new ArgumentException($"traffic.live: deployment '{deployment}' has recorded no arrivals yet.");
        double last = records.Max(r => r.ArrivalSeconds);
        double from = windowSeconds > 0 ? last - windowSeconds : double.NegativeInfinity;
        var window = records.Where(r => r.ArrivalSeconds >= from)
            .Select(r => new RequestSpec(r.ArrivalSeconds, r.PromptTokens,
                Math.Max(1, r.ObservedOutputTokens is { } o && !r.Aborted ? o : r.PredictedOutputTokens)));
        string span = windowSeconds > 0 ? $"the last {windowSeconds.ToString("G4", CultureInfo.InvariantCulture)} s" : "everything recorded";
        return TokenSim.Planning.Traffic.FromArrivals(window, $"{span} of deployment '{deployment}'");
    }
}
