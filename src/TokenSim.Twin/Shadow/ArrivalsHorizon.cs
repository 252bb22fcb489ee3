namespace TokenSim.Twin.Shadow;

/// <summary>How long a prediction assumes requests keep arriving at the recent rate.</summary>
public enum ArrivalsHorizon
{
    /// <summary>Until the predicted request finishes, however long: a deployment in steady state.</summary>
    Unbounded,
    /// <summary>
    /// For as long again as the replica has been receiving requests (its first arrival to now): with nothing else
    /// known about when traffic ends, the median remaining life of a process observed for T is T (Gott's
    /// Copernican estimate).
    /// </summary>
    Elapsed,
}
