using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace TokenSim.Server.Extensions;

/// <summary>
/// What must hold before the host starts, checked so that a failure is one line naming the setting instead of the
/// frameworks' logs and stack traces: every port this process listens on is free, and every Redis it needs answers.
/// </summary>
public static class ServerStartup
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the setting whose port is taken or whose Redis does not answer.</summary>
    public static async Task CheckAsync(ServerSettings s)
    {
        var bind = s.Cluster.Bind;
        CheckPort(bind, s.GrpcPort, ServerOptions.GrpcPort);
        CheckPort(bind, s.MetricsPort, ServerOptions.MetricsPort);
        if (s.Proxy && s.Cluster.ServesTwin) CheckPort(IPAddress.Loopback, s.ProxyPort, ServerOptions.ProxyPort);
        if (s.Cluster.HostsSilo)
        {
            // A silo in a Redis cluster with an address of its own listens on every interface (ClusterExtensions).
            var silo = s.Cluster.ClusterRedis is not null && !IPAddress.IsLoopback(s.Cluster.AdvertiseIp) ? IPAddress.Any : IPAddress.Loopback;
            CheckPort(silo, s.SiloPort, ServerOptions.SiloPort);
            CheckPort(silo, s.GatewayPort, ServerOptions.GatewayPort);
        }
        if (s.Redis is { } redis && s.Cluster.HostsSilo) await CheckRedisAsync(redis, ServerOptions.Redis);
        if (s.Cluster.ClusterRedis is { } cluster && cluster != s.Redis) await CheckRedisAsync(cluster, ServerOptions.ClusterRedis);
    }

    private static void CheckPort(IPAddress address, int port, ServerOption option)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // As Kestrel does: a port whose last connections are still in TIME_WAIT is free to listen on.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new ArgumentException($"{option.Flag} / {option.Env}: port {port} on {address} is in use by another process.", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new ArgumentException($"{ServerOptions.Bind.Flag} / {ServerOptions.Bind.Env}: {address} is not an address of this machine ({option.Flag} {port} cannot listen there).", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new ArgumentException($"{option.Flag} / {option.Env}: this process may not listen on port {port} (ports below 1024 need privileges).", e);
        }
    }

    private static async Task CheckRedisAsync(string configuration, ServerOption option)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
        // Endpoints only: the configuration string may hold a password.
        string where = string.Join(", ", options.EndPoints.Select(EndPointCollection.ToString));
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null);
            await connection.GetDatabase().PingAsync();
        }
        catch (RedisException e)
        {
            string reason = e is RedisConnectionException c ? c.FailureType.ToString() : e.GetType().Name;
            throw new ArgumentException($"{option.Flag} / {option.Env}: Redis at {where} does not answer ({reason}).", e);
        }
    }

    /// <summary>
    /// One line for an exception that stopped the host: the setting it concerns when it can tell (a port Kestrel could
    /// not bind after the check, a Redis that went away since), else its type and message.
    /// </summary>
    public static string Describe(Exception e, ServerSettings s)
    {
        var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e;
        if (inner is IOException && inner.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            foreach (var (port, option) in new[] { (s.GrpcPort, ServerOptions.GrpcPort), (s.MetricsPort, ServerOptions.MetricsPort), (s.ProxyPort, ServerOptions.ProxyPort) })
                if (inner.Message.Contains($":{port}", StringComparison.Ordinal)) return $"{option.Flag} / {option.Env}: port {port} is in use by another process.";
        if (inner is RedisException)
            return $"{(s.Redis is not null ? ServerOptions.Redis : ServerOptions.ClusterRedis).Flag}: Redis failed at startup ({inner.GetType().Name}: {inner.Message})";
        return $"the server could not start: {inner.GetType().Name}: {inner.Message}";
    }
}
