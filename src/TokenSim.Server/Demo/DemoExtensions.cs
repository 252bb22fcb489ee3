using TokenSim.Server.Extensions;

namespace TokenSim.Server.Demo;

public static class DemoExtensions
{
    /// <summary>
    /// <c>--demo</c>: starts the emulated production (<see cref="DemoProduction"/>), points the server's sources and
    /// gateway at it, and once the server is up sends it the steady load (<see cref="DemoLoad"/>) and prints where to
    /// look. Returns the settings with the demo's sources file and gateway.
    /// </summary>
    public static async Task<ServerSettings> AddTokenSimDemoAsync(this WebApplicationBuilder builder, ServerSettings settings)
    {
        var production = await DemoProduction.StartAsync(settings.GrpcPort);
        ((IConfigurationBuilder)builder.Configuration).Add(new DemoSettingsSource(production.SourcesFile));
        builder.Services.AddSingleton(production);
        builder.Services.AddHostedService<DemoHost>();
        var demo = ServerSettings.From(builder.Configuration);
        builder.Services.AddDemoLoadHttpClient(demo.ProxyPort);
        builder.Services.AddHostedService<DemoLoad>();
        return demo;
    }

    /// <summary>What the demo prints once the server listens: where to look and what to try.</summary>
    public static string Banner(ServerSettings s, DemoProduction production)
    {
        string grpc = $"http://127.0.0.1:{s.GrpcPort}";
        return $"""
            TokenSim twin demo: deployment '{DemoProduction.Deployment}', {DemoProduction.Replicas} emulated vLLM replicas of {DemoProduction.Model} on {DemoProduction.Hardware}
            ({string.Join(", ", production.Urls.Select(u => u.ToString().TrimEnd('/')))}) under {DemoLoad.RatePerSecond} requests/s through the gateway
            (http://127.0.0.1:{s.ProxyPort}); the twin follows them from their spans, /metrics scrapes and KV events.
              gRPC      {grpc}
              metrics   http://127.0.0.1:{s.MetricsPort}/metrics   (tokensim_forecast_* after a few seconds)
              forecast  dotnet run --project src/TokenSim.Cli -c Release -- forecast --server {grpc} --deployment {DemoProduction.Deployment} --horizon 30
              plan      dotnet run --project src/TokenSim.Cli -c Release -- plan --server {grpc} --config examples/plan-demo-live.yaml
            Ctrl-C stops the twin and its production.
            """;
    }
}

/// <summary>Prints the banner when the server has started, and stops the emulated production with the server.</summary>
internal sealed class DemoHost(DemoProduction production, ServerSettings settings, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => Console.Out.WriteLine(DemoExtensions.Banner(settings, production)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await production.DisposeAsync();
}
