using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Runs a replica's forecast: per seed, a fork of the live simulation (in-flight requests with output lengths drawn
/// from the learned distribution) driven by arrivals drawn from the learned traffic, sampled at every step, and
/// stepped under an engine-model error drawn for the seed. The seeds thus carry the three sources of a forecast's
/// uncertainty: the traffic, the output lengths of the requests in flight, and the engine model.
/// </summary>
/// <remarks>
/// Each seed draws its traffic from what the recent arrivals allow (<see cref="TrafficEstimate.Draw"/>: the rate's
/// and trend's posterior) and how long it lasts (<see cref="TrafficEstimate.DrawLifetime"/>: Jeffreys' posterior of a
/// stop none has been seen in the stream's age), so a burst's end is among the futures the seeds imagine. An earlier
/// version drew the lifetime from a Copernican prior (P(lasts beyond x) = T / (T + x), the flat prior's answer) and
/// scored the seeds' mean, which the seeds that stopped dragged down on steady traffic (a fifth of the running
/// requests at 60 s); then a version with no stop at all missed every burst's end (docs/forecast.md).
/// </remarks>
public static class ReplicaForecaster
{
    /// <param name="fork">A fresh copy of the replica's simulation with in-flight output lengths drawn with the given random stream.</param>
    /// <param name="outputOf">Draws an output length for a new request with the given cap.</param>
    /// <param name="sources">The live requests behind <paramref name="traffic"/>'s lengths, index for index, whose
    /// prompts a drawn arrival copies (<see cref="TrafficModel.Sources"/>); null for traffic spread over replicas.</param>
    /// <param name="underEngineError">Runs one seed's forward simulation under an engine-model error it draws with the
    /// given random stream (<see cref="EngineResiduals"/>); null: the model as it is.</param>
    public static ReplicaForecast Run(int replica, double clock, ForecastSpec spec, TrafficEstimate traffic, int maxModelLen,
        Func<SimRandom, Simulator> fork, Func<int, SimRandom, int> outputOf, bool added = false, double calibration = 1, IReadOnlyList<Request?>? sources = null,
        Action<SimRandom, Action>? underEngineError = null, ForecastScenario? scenario = null, ulong stream = 0) =>
        Run(replica, clock, spec, traffic, maxModelLen, Fork(spec.Seeds, (_, random) => fork(random), stream), outputOf, added, calibration, sources, underEngineError, scenario);

    /// <summary>
    /// Each seed's random stream and the fork drawn with it (<paramref name="fork"/> is given the seed's number): the
    /// part of a forecast that reads the live state, taken on the replica's turn so that the rest can run off it.
    /// </summary>
    /// <param name="stream">Which forecast the seeds are of (<see cref="StreamOf"/>): seed s of one forecast and of the
    /// next then draw independently; 0 gives every forecast the same seeds.</param>
    public static ForkedSeed[] Fork(int seeds, Func<ulong, SimRandom, Simulator> fork, ulong stream = 0)
    {
        var forked = new ForkedSeed[seeds];
        // A forecast of its own stream stratifies the traffic's lifetime over its seeds, in an order drawn from the
        // stream (TrafficEstimate.DrawLifetime): each seed's lifetime is still a draw from the posterior.
        var strata = stream == 0 ? null : Shuffled(seeds, new SimRandom(Mix(stream ^ 0x94D049BB133111EBUL)));
        for (int s = 0; s < seeds; s++)
        {
            ulong seed = stream == 0 ? SeedOf(s) : Mix(SeedOf(s) ^ stream);
            var random = new SimRandom(seed);
            forked[s] = new ForkedSeed(seed, random, fork(seed, random), strata?[s] ?? 0, strata is null ? 1 : seeds);
        }
        return forked;
    }

    /// <summary>The random stream a seed's engine-model error is drawn from: its own, so the traffic and output lengths
    /// a seed draws are the same with or without engine error.</summary>
    public static SimRandom EngineErrorStream(ulong seed) => new(seed ^ 0xD1B54A32D192ED03UL);

    private static ulong SeedOf(int s) => (ulong)(s + 1) * 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// The random stream of a replica's forecast from production time <paramref name="clock"/>: a function of both, so
    /// a replay draws the same futures every time and two forecasts draw independent ones. With the same seeds at
    /// every forecast, seed s drew nearly the same arrivals and the same posterior quantile of the traffic each time
    /// (only the in-flight requests' draws before them moved its stream), so consecutive forecasts made the same
    /// ensemble error and their scores were not the independent draws a coverage figure or a conformal rank assumes
    /// (found on branch i20-steady).
    /// </summary>
    public static ulong StreamOf(int replica, double clock) => Mix(BitConverter.DoubleToUInt64Bits(clock) ^ ((ulong)(replica + 1) * 0xBF58476D1CE4E5B9UL)) | 1;

    /// <summary>A uniformly random permutation of 0 … n − 1 (Fisher–Yates).</summary>
    private static int[] Shuffled(int n, SimRandom random)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.NextInt(0, i);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>SplitMix64's finalizer (Steele, Lea and Flood, OOPSLA 2014): nearby inputs give unrelated outputs.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Runs the seeds forked by <see cref="Fork"/> forward; touches nothing of the live replica but the
    /// <paramref name="sources"/>' prompts, so it may run on another thread when <paramref name="outputOf"/> and
    /// <paramref name="underEngineError"/> hold their own state (null: each fork steps at the model it was given).</summary>
    public static ReplicaForecast Run(int replica, double clock, ForecastSpec spec, TrafficEstimate traffic, int maxModelLen,
        ForkedSeed[] forked, Func<int, SimRandom, int> outputOf, bool added = false, double calibration = 1, IReadOnlyList<Request?>? sources = null,
        Action<SimRandom, Action>? underEngineError = null, ForecastScenario? scenario = null)
    {
        int steps = spec.Steps, seeds = forked.Length;
        var running = new float[seeds][];
        var waiting = new float[seeds][];
        var kv = new float[seeds][];
        var ttft = new List<double>[steps];
        var tpot = new List<double>[steps];
        for (int k = 0; k < steps; k++) { ttft[k] = []; tpot[k] = []; }
        var exhausted = new double[seeds];
        double evacuateAt = clock + (scenario?.ReroutesAt ?? double.PositiveInfinity);
        var evacuated = double.IsFinite(evacuateAt) && evacuateAt <= clock + spec.HorizonSeconds ? new ReroutedRequest[seeds][] : [];
        long work = 0;
        for (int s = 0; s < seeds; s++)
        {
            var (seed, random, sim, stratum, strata) = forked[s];
            scenario?.Attach(sim);
            var arrivals = new ForecastArrivals(sim, clock, spec, traffic, maxModelLen, outputOf, random, sources, scenario, stratum, strata);
            // A scenario's actions and re-routed requests go in beside the arrivals, numbered after every one of them
            // as they always were: there the arrivals go in at once; otherwise a step's worth before each step.
            if (scenario is not null || spec.Rerouted is not null) arrivals.SubmitThrough(double.PositiveInfinity);
            if (spec.Rerouted is { } rerouted && s < rerouted.Length) SubmitRerouted(sim, clock, rerouted[s]);
            var watch = new Watch(sim, clock, spec.StepSeconds, steps, ttft, tpot, evacuateAt);
            sim.Observer = watch;
            running[s] = new float[steps];
            waiting[s] = new float[steps];
            kv[s] = new float[steps];
            var r = sim.Replicas[0];
            long before = r.Steps;
            int seedIndex = s;
            void Forward()
            {
                for (int k = 0; k < steps; k++)
                {
                    double target = clock + Math.Min((k + 1) * spec.StepSeconds, spec.HorizonSeconds);
                    arrivals.SubmitThrough(target);
                    sim.AdvanceTo(target);
                    running[seedIndex][k] = r.Running.Count;
                    waiting[seedIndex][k] = r.Waiting.Count + r.Swapped.Count;
                    kv[seedIndex][k] = (float)r.Kv.Usage;
                    if (r.Kv.FreeBlocks == 0) watch.Exhaust(sim.Now);
                }
            }
            if (underEngineError is null) Forward(); else underEngineError(EngineErrorStream(seed), Forward);
            sim.Observer = null;
            work += r.Steps - before;
            exhausted[s] = watch.ExhaustedAt - clock;
            if (evacuated.Length > 0) evacuated[s] = [.. watch.Evacuated];
        }
        return new ReplicaForecast
        {
            Replica = replica, Added = added, ClockSeconds = clock, StepSeconds = spec.StepSeconds, Traffic = traffic,
            Running = running, Waiting = waiting, KvUsage = kv, KvExhaustedSeconds = exhausted, Calibration = calibration, SimulatedSteps = work,
            TtftSeconds = ttft.Select(l => l.ToArray()).ToArray(), TpotSeconds = tpot.Select(l => l.ToArray()).ToArray(),
            Evacuated = evacuated,
        };
    }

    /// <summary>The requests a fork's replica holds: running (their KV resident), swapped, then waiting; times from <paramref name="clock"/>.</summary>
    public static ReroutedRequest[] Held(Simulator sim, double clock)
    {
        var r = sim.Replicas[0];
        var held = new List<ReroutedRequest>();
        foreach (var q in r.Running) held.Add(Snapshot(q, clock, clock, Math.Min(q.NumComputed, q.NumTokens - 1)));
        for (int i = 0; i < r.Swapped.Count; i++) held.Add(Snapshot(r.Swapped[i], clock, clock, 0));
        for (int i = 0; i < r.Waiting.Count; i++) held.Add(Snapshot(r.Waiting[i], clock, clock, 0));
        return [.. held];
    }

    private static ReroutedRequest Snapshot(Request r, double now, double clock, int resident) => new()
    {
        AtAhead = now - clock, ArrivalAhead = r.ArrivalTime - clock, PromptTokens = r.PromptTokens, OutputTokens = r.OutputTokens,
        Generated = r.Generated, FirstTokenAhead = r.FirstTokenTime - clock, LastTokenAhead = r.LastTokenTime - clock,
        PrefixHashes = r.PrefixHashes, TokenIds = r.TokenIds, ResidentTokens = resident,
    };

    /// <summary>Another replica's requests, lost with it in this seed, re-enter here at the loss (times from each replica's own clock).</summary>
    private static void SubmitRerouted(Simulator sim, double clock, ReroutedRequest[] requests)
    {
        foreach (var r in requests)
            sim.SubmitRerouted(new RequestSpec(clock + r.ArrivalAhead, r.PromptTokens, r.OutputTokens, PrefixHashes: r.PrefixHashes, TokenIds: r.TokenIds),
                clock + r.AtAhead, r.Generated, clock + r.FirstTokenAhead, clock + r.LastTokenAhead);
    }

    /// <summary>
    /// Every arrival of the horizon submitted at once (<see cref="ForecastArrivals"/>): for forks that take other
    /// submissions after them (a deployment-wide fork's replicas, one after another), whose request ids follow these.
    /// </summary>
    internal static void SubmitArrivals(Simulator sim, double clock, ForecastSpec spec, TrafficEstimate traffic, int maxModelLen,
        Func<int, SimRandom, int> outputOf, SimRandom random, IReadOnlyList<Request?>? sources, ForecastScenario? scenario) =>
        new ForecastArrivals(sim, clock, spec, traffic, maxModelLen, outputOf, random, sources, scenario).SubmitThrough(double.PositiveInfinity);

    /// <param name="evacuateAt">When the scenario loses this replica with its requests re-routed (+∞: never): what it aborts from then on is handed over.</param>
    private sealed class Watch(Simulator sim, double clock, double step, int steps, List<double>[] ttft, List<double>[] tpot, double evacuateAt) : ISimulationObserver
    {
        public double ExhaustedAt { get; private set; } = double.NaN;

        public List<ReroutedRequest> Evacuated { get; } = [];

        public void OnAborted(Request r, double now)
        {
            if (now >= evacuateAt) Evacuated.Add(Snapshot(r, now, clock, 0));
        }

        private int Bin(double now) => Math.Clamp((int)Math.Ceiling((now - clock) / step - 1e-9) - 1, 0, steps - 1);

        public void Exhaust(double now)
        {
            if (double.IsNaN(ExhaustedAt)) ExhaustedAt = now;
        }

        public void OnToken(Request r, double now)
        {
            if (r.Generated == 1) ttft[Bin(now)].Add(now - r.ArrivalTime);
        }

        public void OnFinished(Request r, double now)
        {
            if (r.Generated > 1) tpot[Bin(now)].Add(r.TpotSeconds);
        }

        // vLLM preempts only when a running request cannot get a block: the cache is full.
        public void OnPreempted(Request r, double now) => Exhaust(now);

        public void OnStep(int replica, in BatchShape shape, double start, double seconds)
        {
            if (sim.Replicas[replica].Kv.FreeBlocks == 0) Exhaust(start);
        }
    }
}
