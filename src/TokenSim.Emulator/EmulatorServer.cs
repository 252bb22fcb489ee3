using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>Builds the HTTP server of one emulated engine (one replica) on its port.</summary>
public static class EmulatorServer
{
    /// <param name="observers">Further consumers of the engine's simulated events (span export, KV events), called on the engine thread.</param>
    public static (WebApplication App, RealTimeEngine Engine) Build(EmulatorOptions o, params ISimulationObserver[] observers)
    {
        var sim = new Simulator(new SimulationOptions { Replica = o.Spec, Seed = o.Seed, ExecutionTime = ExecutionTimeModels.Parse(o.PerfModel) });
        var kvEvents = o.KvEvents is { } kc ? new KvEventCollector(new KvEventPublisher(kc, o.ReplicaIndex, o.Time)) : null;
        var engine = new RealTimeEngine(sim, o.Speed, new VllmMetrics(o.ModelName, 0, o.Spec.MaxModelLen, o.Time), o.Time, kvEvents is null ? observers : [.. observers, kvEvents]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{o.Host}:{o.Port}");
        var app = builder.Build();
        app.MapEmulator(engine, o);
        app.MapResetPrefixCache(engine, kvEvents);
        app.MapTokenize(engine);
        if (kvEvents is not null)
        {
            kvEvents.Attach(engine);
            app.Lifetime.ApplicationStopped.Register(kvEvents.Dispose);
        }
        return (app, engine);
    }
}
