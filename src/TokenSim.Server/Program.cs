using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenSim.Server.Demo;
using TokenSim.Server.Extensions;
using TokenSim.Server.Grpc;

if (ServerCommandLine.WantsHelp(args))
{
    Console.Out.Write(ServerHelp.Text());             // every flag, its TOKENSIM_* variable and default, from ServerOptions
    return 0;
}
// The arguments are this server's flags only: the host does not read them too (no --urls, --environment by the back door).
var builder = WebApplication.CreateBuilder();
ServerSettings settings;
try
{
    // Settings: the --config file, then TOKENSIM_* variables, then flags, as configuration sources; IOptions<ServerSettings> validated now and at start.
    settings = builder.AddTokenSimSettings(args, Environment.GetEnvironmentVariable);
    if (settings.Demo) settings = await builder.AddTokenSimDemoAsync(settings);   // an emulated production, its sources file, a steady load
    if (settings.Cluster.ServesTwin)
    {
        builder.AddTokenSimSources(settings);       // vLLM's own telemetry: OTLP spans, /metrics scrapes (--sources FILE)
        builder.AddTokenSimVllm(settings);          // KV events per replica (--sources FILE); the OpenAI gateway (--proxy true)
    }
    await ServerStartup.CheckAsync(settings);       // ports free, Redis answering: else one line naming the setting
}
catch (ServerUsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    if (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is not null) Console.Error.WriteLine(e);
    return 1;
}
builder.AddTokenSimLogging(settings);                // warnings from the frameworks; --log-format json for collectors
builder.AddTokenSimTelemetry(settings);             // OpenTelemetry over OTLP, only when OTEL_EXPORTER_OTLP_* endpoints are set
builder.AddTokenSimEndpoints(settings);             // gRPC (HTTP/2 only) and /metrics (HTTP/1.1) on 127.0.0.1
builder.AddTokenSimTwin(settings);                  // --role: a silo (localhost or Redis clustering) or an Orleans client
builder.AddTokenSimKubernetesHosting(settings);     // --kubernetes-hosting: Orleans' Kubernetes hosting for a silo in a pod
builder.AddTokenSimMetrics();                       // prometheus-net metrics, exact names
builder.Services.TryAddSingleton(TimeProvider.System);   // the one clock the services read (tests can give a FakeTimeProvider)
builder.AddTokenSimGrpc(settings);                  // services, API key, health, reflection
builder.AddTokenSimPlanning(settings);              // capacity plans and what-if simulations over the silo's plan workers
builder.AddTokenSimForecasts(settings);             // forecast metrics, refresh loop, production-clock scoring
var app = builder.Build();
if (settings.Cluster.ServesTwin)
{
    app.MapGrpcService<IngestService>().RequireHost($"*:{settings.GrpcPort}");
    app.MapGrpcService<DeploymentsService>().RequireHost($"*:{settings.GrpcPort}");
}
app.MapGrpcHealthChecksService().RequireHost($"*:{settings.GrpcPort}");
app.MapGrpcReflectionService().RequireHost($"*:{settings.GrpcPort}");
app.MapTokenSimMetrics(settings);
app.MapTokenSimDashboard(settings);                 // the Orleans Dashboard, only with --dashboard PATH
if (settings.Cluster.ServesTwin)
{
    app.MapTokenSimSources(settings);
    app.MapTokenSimGateway();
    app.MapTokenSimPlanning(settings);
    app.MapTokenSimForecasts(settings);
}
try
{
    await app.RunAsync();
}
catch (Exception e) when (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is null)
{
    Console.Error.WriteLine($"error: {ServerStartup.Describe(e, settings)} (run with TOKENSIM_DEBUG=1 for the stack trace)");
    return 1;
}
return 0;
