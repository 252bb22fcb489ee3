namespace TokenSim.Twin.Shadow;

/// <summary>
/// The steady arrivals a prediction assumes after its last real one: from <see cref="Next"/> every
/// <see cref="Interval"/> seconds (infinite: none) until <see cref="End"/>, each of the recent mean prompt and the
/// predicted output.
/// </summary>
internal readonly record struct SyntheticArrivals(double Next, double Interval, int Prompt, int Output, double End);
