using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>
/// The replicas of one emulated production (<c>tokensim emulate --replicas N</c>, the server's <c>--demo</c>), started
/// together. <see cref="StartAsync"/> returns only once every replica listens, so whoever announces the fleet as ready
/// (a line on stdout, a sources file) never sends a client to a port that refuses it; when one replica cannot listen
/// the ones already started are stopped and the error names its port.
/// </summary>
public sealed class EmulatorFleet : IAsyncDisposable
{
    private readonly List<(WebApplication App, RealTimeEngine Engine)> _replicas;

    private EmulatorFleet(List<(WebApplication, RealTimeEngine)> replicas) => _replicas = replicas;

    /// <summary>Each replica's base URL as it listens (a port 0 in its options is the port the OS gave).</summary>
    public IReadOnlyList<Uri> Urls => [.. _replicas.Select(r => ListeningAt(r.App))];

    /// <summary>Cancelled as soon as any replica's host begins stopping (each takes SIGTERM/SIGINT for itself).</summary>
    public CancellationToken Stopping { get; private set; }

    private CancellationTokenSource? _stopping;

    /// <param name="replicas">Replica i's options; its port is taken as given.</param>
    /// <param name="observers">Replica i's further observers of simulated events (span export).</param>
    /// <exception cref="ArgumentException">A replica's port is taken or not an address of this machine.</exception>
    public static async Task<EmulatorFleet> StartAsync(IReadOnlyList<EmulatorOptions> replicas, Func<int, ISimulationObserver[]> observers, CancellationToken cancel = default)
    {
        var built = replicas.Select((o, i) => EmulatorServer.Build(o, observers(i))).ToList();
        var fleet = new EmulatorFleet(built);
        for (int i = 0; i < built.Count; i++)
        {
            try
            {
                await built[i].App.StartAsync(cancel);
            }
            catch (IOException e)
            {
                // Kestrel's "Failed to bind to address http://…: address already in use."
                await fleet.DisposeAsync();
                throw new ArgumentException($"--port {replicas[0].Port}: replica {i} cannot listen on port {replicas[i].Port}: {e.Message}", e);
            }
        }
        fleet._stopping = CancellationTokenSource.CreateLinkedTokenSource([.. built.Select(r => r.App.Lifetime.ApplicationStopping)]);
        fleet.Stopping = fleet._stopping.Token;
        return fleet;
    }

    // Once started, Urls holds the addresses Kestrel bound (with the OS's port for a port 0).
    private static Uri ListeningAt(WebApplication app) => new(app.Urls.First());

    /// <summary>Stops every replica's server, then its engine (and with it the engine's KV-event publisher).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (app, engine) in _replicas)
        {
            try
            {
                await app.StopAsync(CancellationToken.None);
            }
            catch (OperationCanceledException) { }
            await app.DisposeAsync();
            engine.Dispose();
        }
        _replicas.Clear();
        _stopping?.Dispose();
    }
}
