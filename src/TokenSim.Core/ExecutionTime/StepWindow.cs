namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// One observation a <see cref="StepCorrection"/> is fitted from: a stretch of engine steps whose count production
/// reveals (a request's first and last token are stamped at the ends of steps, and it gains one token a step, so
/// n − 1 steps lie between them), the observed mean step time over it, and what the simulation's steps over the
/// same stretch were made of.
/// </summary>
/// <param name="ModelSeconds">Mean step time of the simulated steps in the stretch, before any correction.</param>
/// <param name="PrefillShare">Share of those steps that carried prefill tokens, 0–1.</param>
/// <param name="ObservedSeconds">The observed mean step time: (last − first token) / (n − 1).</param>
/// <param name="Steps">Engine steps in the stretch (n − 1).</param>
public readonly record struct StepWindow(double ModelSeconds, double PrefillShare, double ObservedSeconds, int Steps);
