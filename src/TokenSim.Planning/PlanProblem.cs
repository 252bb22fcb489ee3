using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Planning;

/// <summary>
/// A capacity-planning question: the <c>simulate</c> options every candidate shares (<see cref="BaseOptions"/>: model,
/// engine settings, perf model, seed), the traffic, the SLOs and the candidates.
/// </summary>
public sealed record PlanProblem
{
    /// <summary><c>simulate</c> options by name, as a <c>--config</c> file gives them (e.g. <c>model</c>, <c>max-model-len</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> BaseOptions { get; init; } = [];
    public required Traffic Traffic { get; init; }
    public required Slo Slo { get; init; }
    public required CandidateSpace Candidates { get; init; }
    /// <summary>Bisection over replica counts (default), or every candidate simulated (to check the bisection).</summary>
    public bool Exhaustive { get; init; }
    /// <summary>
    /// Under the cost objective, leave unsimulated the candidates dearer than the cheapest meeting one found so far
    /// (default); false runs every group's bisection to its end, to check that pruning never changes the answer.
    /// </summary>
    public bool Prune { get; init; } = true;
    /// <summary>Stop a simulation once its candidate is certain to miss (default); false runs every simulation whole.</summary>
    public bool StopEarly { get; init; } = true;
    /// <summary>What the answer minimises among the candidates meeting the SLOs.</summary>
    public PlanObjective Objective { get; init; }

    /// <summary>Options the plan sets per candidate; a base option of these names would be overridden, so it is refused.</summary>
    public static readonly string[] CandidateOptions = ["hardware", "tp", "scheduler", "replicas", "workload"];

    /// <summary>The shared settings; errors name <paramref name="where"/> and the option.</summary>
    public static SimulateSettings BaseSettings(IEnumerable<KeyValuePair<string, string>> options, string where = "base")
    {
        var s = new SimulateSettings();
        foreach (var (k, v) in options)
        {
            string key = k.Replace('_', '-').ToLowerInvariant();
            if (CandidateOptions.Contains(key))
                throw new ArgumentException($"{where}.{k}: '{key}' is set per candidate (candidates / traffic), not in the base options.");
            s.Set(k, v, $"{where}.{k}");
        }
        return s;
    }

    /// <summary>The settings that simulate <paramref name="c"/>.</summary>
    public SimulateSettings SettingsFor(Candidate c) => SettingsFor(BaseOptions, c);

    public static SimulateSettings SettingsFor(IEnumerable<KeyValuePair<string, string>> baseOptions, Candidate c)
    {
        var s = BaseSettings(baseOptions);
        s.Hardware = c.Hardware;
        s.Tp = c.Tp;
        s.Scheduler = c.Scheduler;
        s.Replicas = c.Replicas;
        return s;
    }

    /// <summary>The context length traffic lengths are drawn within: the base <c>max-model-len</c>, else the model's.</summary>
    public static int MaxModelLen(SimulateSettings s) => s.MaxModelLen ?? ModelCatalog.Resolve(s.Model).MaxPositionEmbeddings;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is wrong.</summary>
    public void Validate()
    {
        BaseSettings(BaseOptions);
        Slo.Validate();
        Candidates.Validate();
        if (Traffic.Requests.Length == 0) throw new ArgumentException("traffic has no requests.");
    }
}
