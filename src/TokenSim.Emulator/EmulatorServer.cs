using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>Builds the HTTP server of one emulated engine (one replica) on a port.</summary>
public static class EmulatorServer
{
    public static (WebApplication App, RealTimeEngine Engine) Build(ReplicaSpec spec, string modelName, string host, int port, double speed, string perfModel = "roofline", ulong seed = 42)
    {
        var sim = new Simulator(new SimulationOptions { Replica = spec, Seed = seed, ExecutionTime = ExecutionTimeModels.Parse(perfModel) });
        var engine = new RealTimeEngine(sim, speed, new VllmMetrics(modelName, 0));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{host}:{port}");
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.AllowSynchronousIO = false);
        var app = builder.Build();
        app.MapEmulator(engine, modelName);
        return (app, engine);
    }
}
