using TokenSim.Server.Extensions;

namespace TokenSim.Server.Demo;

/// <summary>
/// What <c>--demo</c> sets for the server, layered over the user's sources: the sources file written for the
/// emulated production and the gateway in front of it.
/// </summary>
public sealed class DemoSettingsSource(string sourcesFile) : ServerSettingsSource
{
    public override string Label(ServerOption option) => $"--demo ({option.Name})";

    public override void Load()
    {
        Set(ServerOptions.Sources, sourcesFile);
        Set(ServerOptions.Proxy, "true");
    }
}
