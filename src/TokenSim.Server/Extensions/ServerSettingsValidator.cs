using System.Net;
using Microsoft.Extensions.Options;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's settings checked at start (<c>ValidateOnStart</c>, and before the host is built by
/// <see cref="ServerSettings.From"/>): first each option's text against its rule, named by the source it came from
/// (the flag and variable, or the config file's line), then the rules between settings. Only the first problem is
/// reported, so that the user sees one line.
/// </summary>
public sealed class ServerSettingsValidator(IConfiguration config) : IValidateOptions<ServerSettings>
{
    public ValidateOptionsResult Validate(string? name, ServerSettings s) =>
        Problem(s) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;

    private string? Problem(ServerSettings s)
    {
        // Every source's values, the overridden ones too: a mistake in the file is reported even when a flag wins.
        foreach (var (option, text, source) in Given())
            if (option.Problem(text, source?.Label(option)) is { } problem)
                return problem;
        if (s.Cluster.ClusterRedis is null && s.Cluster.Role == ServerRole.Silo && !IPAddress.IsLoopback(s.Cluster.AdvertiseIp))
            return "--advertise-ip: localhost clustering keeps a silo on loopback; give --cluster-redis for silos on other machines.";
        if (s.KubernetesHosting && KubernetesHostingExtensions.Problem(s) is { } kubernetes) return kubernetes;
        if (s.ForecastScenario is { } scenario && StandingScenario.Problem(scenario) is { } bad) return bad;
        if (s.GrpcPort == s.MetricsPort)
            return $"--grpc-port and --metrics-port must differ (both {s.GrpcPort}): gRPC is HTTP/2-only, metrics HTTP/1.1.";
        if (s.Demo && Given().Any(g => g.Option == ServerOptions.Sources && g.Source is not Demo.DemoSettingsSource))
            return "--demo writes its own sources file for the emulated production; leave out --sources (or run without --demo).";
        if (s.Demo && s.ApiKey is not null)
            return "--demo: the emulated production sends its spans without an API key; leave out --api-key.";
        if (s.Demo && !s.Cluster.ServesTwin)
            return "--demo runs the whole twin in one process: leave --role at both.";
        return null;
    }

    /// <summary>Each option's text in each source, in the order the sources override each other (null source: not one of ours).</summary>
    private IEnumerable<(ServerOption Option, string Text, ServerSettingsSource? Source)> Given()
    {
        var providers = config is IConfigurationRoot root ? root.Providers : [];
        foreach (var provider in providers)
            foreach (var option in ServerOptions.All)
                if (provider.TryGet(option.Key, out var text) && text is not null)
                    yield return (option, text, provider as ServerSettingsSource);
        if (config is not IConfigurationRoot)
            foreach (var option in ServerOptions.All)
                if (config[option.Key] is { } text) yield return (option, text, null);
    }
}
