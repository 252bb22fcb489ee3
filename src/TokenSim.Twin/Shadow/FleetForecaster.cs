using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Twin.Abstractions;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// A forecast of the whole deployment as one simulation, for a scenario whose events act across replicas: an
/// autoscaling policy (docs/scenarios.md), which reads the fleet and adds and removes replicas. Per seed, each
/// replica's fork of that seed (<see cref="LiveReplicaState"/>) is placed on its replica of one simulation with the
/// autoscaler's spare slots (running requests keep their KV, <see cref="Simulator.Place"/>), every replica's learned
/// traffic is drawn as its own forecast draws it and routed over the serving replicas, and the scenario, policy
/// included, runs as offline.
/// </summary>
/// <remarks>
/// As in the per-replica forecasts, each replica steps at its own engine-model error for the seed: the correction its
/// own forecast draws for that seed (<see cref="LiveReplicaState.CorrectionOf"/>: the online fit's draw times a drawn
/// residual). A replica the scenario adds steps at the mean of the live replicas' draws for the seed: the same engine
/// on the same hardware, whose own error nothing has measured yet. Unlike them, the prefixes each replica's cache
/// holds are not carried over.
/// </remarks>
public static class FleetForecaster
{
    /// <param name="outputOf">Per replica, a new draw of an output length for a new request with the given cap (one
    /// per seed: the seeds run in parallel).</param>
    public static DeploymentForecast Run(string deployment, ForecastSpec spec, Scenario scenario, ReplicaSpec replica,
        Func<ReplicaSpec, IExecutionTimeModel> model, LiveReplicaState[] live, Func<int, Func<int, SimRandom, int>> outputOf)
    {
        int n = live.Length, slots = n + scenario.ExtraReplicas(n), steps = spec.Steps, seeds = spec.Seeds;
        double clock = live.Max(l => l.ClockSeconds);
        double calibration = live.Average(l => l.KernelScale);
        // Rate and length events reshape each replica's drawn arrivals; losses and the policy act on the fleet itself.
        var traffic = new Scenario(scenario.Events.Where(e => e.Kind is ScenarioEventKind.Rate or ScenarioEventKind.Lengths).ToArray(), null, scenario.Source);
        var running = Arrays<float>(slots, seeds, steps);
        var waiting = Arrays<float>(slots, seeds, steps);
        var kv = Arrays<float>(slots, seeds, steps);
        var exhausted = Enumerable.Range(0, slots).Select(_ => Enumerable.Repeat(double.NaN, seeds).ToArray()).ToArray();
        // Per seed, then pooled: the seeds run in parallel (a fleet is many replicas' work).
        var ttft = Arrays<List<double>>(seeds, slots, steps);
        var tpot = Arrays<List<double>>(seeds, slots, steps);
        var serving = new float[seeds][];
        var provisioned = new float[seeds][];
        var gpuHours = new double[seeds];
        var work = new long[seeds];
        Parallel.For(0, seeds, s =>
        {
            var own = live.Select(l => l.CorrectionOf(s)).ToArray();
            var added = new StepCorrection { KernelScale = own.Average(c => c.KernelScale), PrefillStepSeconds = own.Average(c => c.PrefillStepSeconds) };
            var sim = new Simulator(new SimulationOptions
            {
                Replica = replica, Replicas = slots, Seed = (ulong)(s + 1), ExecutionTime = r => new CorrectedExecutionTimeModel(model(r), added),
            });
            // One model per seed (models are functions of the batch), under each replica's own correction.
            var inner = model(replica);
            for (int i = 0; i < n; i++) sim.UseExecutionTime(i, new CorrectedExecutionTimeModel(inner, own[i]));
            sim.AttachScenario(scenario, serving: n);
            for (int i = 0; i < n; i++)
            {
                foreach (var h in live[i].Held[s])
                    sim.Place(i, new RequestSpec(h.ArrivalAhead, h.PromptTokens, h.OutputTokens, PrefixHashes: h.PrefixHashes, TokenIds: h.TokenIds),
                        h.Generated, h.ResidentTokens, h.FirstTokenAhead, h.LastTokenAhead);
                var random = new SimRandom((ulong)(s + 1) * 0x9E3779B97F4A7C15UL ^ (ulong)(i + 1) * 0xBF58476D1CE4E5B9UL);
                ReplicaForecaster.SubmitArrivals(sim, 0, spec, live[i].Traffic, replica.MaxModelLen, outputOf(i), random, null, ForecastScenario.For(traffic, i, n));
            }
            for (int i = 0; i < slots; i++)
                for (int k = 0; k < steps; k++) { ttft[s][i][k] = []; tpot[s][i][k] = []; }
            sim.Observer = new Watch(spec.StepSeconds, steps, ttft[s], tpot[s]);
            serving[s] = new float[steps];
            provisioned[s] = new float[steps];
            for (int k = 0; k < steps; k++)
            {
                sim.AdvanceTo(Math.Min((k + 1) * spec.StepSeconds, spec.HorizonSeconds));
                for (int i = 0; i < slots; i++)
                {
                    var r = sim.Replicas[i];
                    running[i][s][k] = r.Running.Count;
                    waiting[i][s][k] = r.Waiting.Count + r.Swapped.Count;
                    kv[i][s][k] = (float)r.Kv.Usage;
                    if (r.Kv.FreeBlocks == 0 && double.IsNaN(exhausted[i][s])) exhausted[i][s] = sim.Now;
                }
                var phases = sim.ReplicaPhases;
                serving[s][k] = phases.Count(p => p == ReplicaPhase.Serving);
                provisioned[s][k] = phases.Count(p => p is ReplicaPhase.Serving or ReplicaPhase.Starting or ReplicaPhase.Draining);
            }
            sim.Observer = null;
            work[s] = sim.Replicas.Sum(r => r.Steps);
            gpuHours[s] = GpuSeconds(sim.ReplicaCounts, spec.HorizonSeconds) * replica.TensorParallel * replica.PipelineParallel / 3600;
        });
        var forecasts = Enumerable.Range(0, slots).Select(i => new ReplicaForecast
        {
            Replica = i, Added = i >= n, ClockSeconds = clock, StepSeconds = spec.StepSeconds, Traffic = i < n ? live[i].Traffic : TrafficEstimate.None,
            Running = running[i], Waiting = waiting[i], KvUsage = kv[i], KvExhaustedSeconds = exhausted[i],
            TtftSeconds = Enumerable.Range(0, steps).Select(k => ttft.SelectMany(seed => seed[i][k]).ToArray()).ToArray(),
            TpotSeconds = Enumerable.Range(0, steps).Select(k => tpot.SelectMany(seed => seed[i][k]).ToArray()).ToArray(),
            Calibration = i < n ? live[i].KernelScale : calibration, SimulatedSteps = i == 0 ? work.Sum() : 0,
        }).ToArray();
        return new DeploymentForecast(deployment, spec, 0, forecasts) { ServingReplicas = serving, ProvisionedReplicas = provisioned, GpuHours = gpuHours };
    }

    /// <summary>Replica-seconds paid for from 0 to <paramref name="until"/> by a fleet timeline (<see cref="Simulator.ReplicaCounts"/>).</summary>
    public static double GpuSeconds(IReadOnlyList<ReplicaCountPoint> timeline, double until)
    {
        double sum = 0;
        for (int i = 0; i < timeline.Count && timeline[i].Time < until; i++)
        {
            double next = i + 1 < timeline.Count ? Math.Min(timeline[i + 1].Time, until) : until;
            sum += timeline[i].Provisioned * (next - timeline[i].Time);
        }
        return sum;
    }

    private static T[][][] Arrays<T>(int a, int b, int c) =>
        Enumerable.Range(0, a).Select(_ => Enumerable.Range(0, b).Select(_ => new T[c]).ToArray()).ToArray();

    /// <param name="ttft">Per replica slot and step, the seed's TTFTs.</param>
    private sealed class Watch(double step, int steps, List<double>[][] ttft, List<double>[][] tpot) : ISimulationObserver
    {
        private int Bin(double now) => Math.Clamp((int)Math.Ceiling(now / step - 1e-9) - 1, 0, steps - 1);

        public void OnToken(Request r, double now)
        {
            if (r.Generated == 1) ttft[r.Replica][Bin(now)].Add(now - r.ArrivalTime);
        }

        public void OnFinished(Request r, double now)
        {
            if (r.Generated > 1) tpot[r.Replica][Bin(now)].Add(r.TpotSeconds);
        }
    }
}
