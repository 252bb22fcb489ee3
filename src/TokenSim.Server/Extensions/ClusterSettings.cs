using System.Globalization;
using System.Net;

namespace TokenSim.Server.Extensions;

/// <summary>
/// How a server process joins a cluster: its role, where the membership table lives, the addresses it listens on and
/// advertises, and how fast the silos declare a dead one dead. Each setting comes from its flag, else its
/// <c>TOKENSIM_*</c> variable, else the default (docs/operations.md has the table).
/// </summary>
public sealed record ClusterSettings
{
    public ServerRole Role { get; init; } = ServerRole.Both;
    /// <summary>
    /// A StackExchange.Redis configuration string holding the cluster's membership table (silos and gateways).
    /// Null: localhost clustering, one silo on this machine (a front end then finds it on <c>--gateway-port</c>).
    /// </summary>
    public string? ClusterRedis { get; init; }
    public string ClusterId { get; init; } = "tokensim";
    public string ServiceId { get; init; } = "tokensim";
    /// <summary>The address a silo gives the others to reach it (its silo and gateway ports).</summary>
    public IPAddress AdvertiseIp { get; init; } = IPAddress.Loopback;
    /// <summary>The address the gRPC and HTTP ports listen on.</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;
    /// <summary>Orleans' <c>ClusterMembershipOptions.ProbeTimeout</c>: how long a silo waits for a probe's answer.</summary>
    public double ProbeTimeoutSeconds { get; init; } = 5;
    /// <summary>Orleans' <c>ClusterMembershipOptions.NumMissedProbesLimit</c>: missed probes before a silo votes another dead.</summary>
    public int MissedProbes { get; init; } = 3;
    /// <summary>
    /// Orleans' <c>ResponseTimeout</c> (silos and front ends): how long a grain call may go unanswered. A call in
    /// flight through a silo that is killed gets no answer, so this is how long it takes to fail (UNAVAILABLE).
    /// </summary>
    public double ResponseTimeoutSeconds { get; init; } = 30;

    public bool HostsSilo => Role != ServerRole.Frontend;
    public bool ServesTwin => Role != ServerRole.Silo;

    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["--role"] = "TokenSim:Role",
        ["--cluster-redis"] = "TokenSim:ClusterRedis",
        ["--cluster-id"] = "TokenSim:ClusterId",
        ["--service-id"] = "TokenSim:ServiceId",
        ["--advertise-ip"] = "TokenSim:AdvertiseIp",
        ["--bind"] = "TokenSim:Bind",
        ["--probe-timeout"] = "TokenSim:ProbeTimeout",
        ["--missed-probes"] = "TokenSim:MissedProbes",
        ["--response-timeout"] = "TokenSim:ResponseTimeout",
    };

    public static ClusterSettings From(Func<string, string, string?> get)
    {
        var role = get("Role", "TOKENSIM_ROLE");
        var redis = get("ClusterRedis", "TOKENSIM_CLUSTER_REDIS");
        var probe = get("ProbeTimeout", "TOKENSIM_PROBE_TIMEOUT");
        var missed = get("MissedProbes", "TOKENSIM_MISSED_PROBES");
        var response = get("ResponseTimeout", "TOKENSIM_RESPONSE_TIMEOUT");
        var s = new ClusterSettings
        {
            Role = role switch
            {
                null or "both" => ServerRole.Both,
                "silo" => ServerRole.Silo,
                "frontend" => ServerRole.Frontend,
                _ => throw new ArgumentException($"--role / TOKENSIM_ROLE must be both, silo or frontend (got '{role}')."),
            },
            ClusterRedis = string.IsNullOrWhiteSpace(redis) ? null : redis,
            ClusterId = Id(get("ClusterId", "TOKENSIM_CLUSTER_ID"), "--cluster-id / TOKENSIM_CLUSTER_ID"),
            ServiceId = Id(get("ServiceId", "TOKENSIM_SERVICE_ID"), "--service-id / TOKENSIM_SERVICE_ID"),
            AdvertiseIp = Ip(get("AdvertiseIp", "TOKENSIM_ADVERTISE_IP"), "--advertise-ip / TOKENSIM_ADVERTISE_IP"),
            Bind = Ip(get("Bind", "TOKENSIM_BIND"), "--bind / TOKENSIM_BIND"),
            ProbeTimeoutSeconds = probe is null ? 5
                : double.TryParse(probe, CultureInfo.InvariantCulture, out double p) && p > 0 && p <= 600 ? p
                : throw new ArgumentException($"--probe-timeout / TOKENSIM_PROBE_TIMEOUT must be a number of seconds above 0, at most 600 (got '{probe}')."),
            MissedProbes = missed is null ? 3
                : int.TryParse(missed, out int m) && m is >= 1 and <= 100 ? m
                : throw new ArgumentException($"--missed-probes / TOKENSIM_MISSED_PROBES must be a whole number from 1 to 100 (got '{missed}')."),
            ResponseTimeoutSeconds = response is null ? 30
                : double.TryParse(response, CultureInfo.InvariantCulture, out double rt) && rt >= 1 && rt <= 3600 ? rt
                : throw new ArgumentException($"--response-timeout / TOKENSIM_RESPONSE_TIMEOUT must be a number of seconds from 1 to 3600 (got '{response}')."),
        };
        if (s.ClusterRedis is null && s.Role == ServerRole.Silo && !IPAddress.IsLoopback(s.AdvertiseIp))
            throw new ArgumentException("--advertise-ip: localhost clustering keeps a silo on loopback; give --cluster-redis for silos on other machines.");
        return s;
    }

    private static string Id(string? text, string name) => text switch
    {
        null => "tokensim",
        _ when text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') => text,
        _ => throw new ArgumentException($"{name} must be 1 to 64 letters, digits, '-', '_' or '.' (got '{text}')."),
    };

    private static IPAddress Ip(string? text, string name) => text is null ? IPAddress.Loopback
        : IPAddress.TryParse(text, out var ip) ? ip
        : throw new ArgumentException($"{name} must be an IP address such as 10.0.0.5 or 0.0.0.0 (got '{text}').");
}
