using Microsoft.Extensions.Options;

namespace TokenSim.Server.Extensions;

/// <summary>
/// Fills <see cref="ServerSettings"/> from the configuration's <c>TokenSim:*</c> keys by each option's own parser
/// (<see cref="ServerOptions"/>), keeping the property's default where a key is absent. A value its parser refuses
/// is left at the default here and reported by <see cref="ServerSettingsValidator"/>, which runs next. (The
/// configuration binder is not used: it would throw on the first bad text without saying which flag, variable or
/// file line it came from, and knows neither comma lists nor IP addresses.)
/// </summary>
public sealed class ServerSettingsBinder(IConfiguration config) : IConfigureOptions<ServerSettings>
{
    public void Configure(ServerSettings s)
    {
        s.GrpcPort = Read(ServerOptions.GrpcPort, s.GrpcPort);
        s.MetricsPort = Read(ServerOptions.MetricsPort, s.MetricsPort);
        s.SiloPort = Read(ServerOptions.SiloPort, s.SiloPort);
        s.GatewayPort = Read(ServerOptions.GatewayPort, s.GatewayPort);
        s.ApiKey = Text(ServerOptions.ApiKey, s.ApiKey);
        s.LatenessSeconds = Read(ServerOptions.Lateness, s.LatenessSeconds);
        s.Redis = Text(ServerOptions.Redis, s.Redis);
        s.Sources = Text(ServerOptions.Sources, s.Sources);
        s.KubernetesHosting = Read(ServerOptions.KubernetesHosting, s.KubernetesHosting);
        s.ForecastIntervalSeconds = Read(ServerOptions.ForecastInterval, s.ForecastIntervalSeconds);
        s.ForecastScenario = Text(ServerOptions.ForecastScenario, s.ForecastScenario);
        s.ForecastScoreIntervalSeconds = Read(ServerOptions.ForecastScoreInterval, s.ForecastScoreIntervalSeconds);
        s.ForecastScoreBudget = Read(ServerOptions.ForecastScoreBudget, s.ForecastScoreBudget);
        s.ForecastScoreHorizons = Read(ServerOptions.ForecastScoreHorizons, s.ForecastScoreHorizons);
        s.ForecastsOffTurn = Read(ServerOptions.ForecastsOffTurn, s.ForecastsOffTurn);
        s.ForecastNiceness = Read(ServerOptions.ForecastNiceness, s.ForecastNiceness);
        s.MaxRecords = Read(ServerOptions.MaxRecords, s.MaxRecords);
        s.Proxy = Read(ServerOptions.Proxy, s.Proxy);
        s.ProxyPort = Read(ServerOptions.ProxyPort, s.ProxyPort);
        s.Demo = Read(ServerOptions.Demo, s.Demo);
        var c = s.Cluster;
        s.Cluster = new ClusterSettings
        {
            Role = Read(ServerOptions.Role, c.Role),
            ClusterRedis = Text(ServerOptions.ClusterRedis, c.ClusterRedis),
            ClusterId = Read(ServerOptions.ClusterId, c.ClusterId),
            ServiceId = Read(ServerOptions.ServiceId, c.ServiceId),
            AdvertiseIp = Read(ServerOptions.AdvertiseIp, c.AdvertiseIp),
            Bind = Read(ServerOptions.Bind, c.Bind),
            ProbeTimeoutSeconds = Read(ServerOptions.ProbeTimeout, c.ProbeTimeoutSeconds),
            MissedProbes = Read(ServerOptions.MissedProbes, c.MissedProbes),
            ResponseTimeoutSeconds = Read(ServerOptions.ResponseTimeout, c.ResponseTimeoutSeconds),
        };
        s.Observability = new ObservabilitySettings
        {
            JsonLogs = Read(ServerOptions.LogFormat, s.Observability.JsonLogs),
            DashboardPath = Text(ServerOptions.Dashboard, s.Observability.DashboardPath),
        };
    }

    private T Read<T>(ServerOption option, T fallback) => config[option.Key] is { } text && option.Parse(text) is T value ? value : fallback;

    /// <summary>Text settings where empty means unset (a Helm chart passes "" for "no Redis").</summary>
    private string? Text(ServerOption option, string? fallback) =>
        config[option.Key] is { } text ? (string.IsNullOrWhiteSpace(text) ? null : option.Parse(text) as string ?? fallback) : fallback;
}
