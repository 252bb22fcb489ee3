using TokenSim.Server.Extensions;
using TokenSim.Server.Grpc;

var builder = WebApplication.CreateBuilder(args);
ServerSettings settings;
try
{
    settings = builder.AddTokenSimSettings(args);   // ports and API key: flags, then TOKENSIM_* variables, then defaults
    builder.AddTokenSimSources(settings);           // vLLM's own telemetry: OTLP spans, /metrics scrapes (--sources FILE)
    builder.AddTokenSimVllm(settings);              // KV events per replica (--sources FILE); the OpenAI gateway (--proxy true)
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
builder.AddTokenSimLogging();
builder.AddTokenSimEndpoints(settings);             // gRPC (HTTP/2 only) and /metrics (HTTP/1.1) on 127.0.0.1
builder.AddTokenSimTwin(settings);                  // the Orleans silo: localhost clustering, in-memory storage
builder.AddTokenSimMetrics();                       // prometheus-net metrics, exact names
builder.AddTokenSimGrpc(settings);                  // services, API key, health, reflection
builder.AddTokenSimForecasts(settings);             // forecast metrics, refresh loop, production-clock scoring
var app = builder.Build();
app.MapGrpcService<IngestService>().RequireHost($"*:{settings.GrpcPort}");
app.MapGrpcService<DeploymentsService>().RequireHost($"*:{settings.GrpcPort}");
app.MapGrpcHealthChecksService().RequireHost($"*:{settings.GrpcPort}");
app.MapGrpcReflectionService().RequireHost($"*:{settings.GrpcPort}");
app.MapTokenSimForecasts(settings);
app.MapTokenSimMetrics(settings);
app.MapTokenSimSources(settings);
app.MapTokenSimGateway();
app.Run();
return 0;
