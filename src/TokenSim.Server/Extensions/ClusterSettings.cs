using System.Net;

namespace TokenSim.Server.Extensions;

/// <summary>
/// How a server process joins a cluster: its role, where the membership table lives, the addresses it listens on and
/// advertises, and how fast the silos declare a dead one dead (each described in <see cref="ServerOptions"/>).
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
}
