using Grpc.Core;
using Grpc.Core.Interceptors;
using Orleans.Networking.Shared;
using Orleans.Runtime.Messaging;
using Orleans.Storage;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Grpc;

/// <summary>
/// Turns the cluster's transient failures into UNAVAILABLE, the status gRPC clients retry: a silo that died or is not
/// yet declared dead, a gateway connection lost, a grain call that timed out, a storage write that lost a race with a
/// newer activation (Orleans' grain storage, or a replica's event log), a storage that failed (Redis killed or
/// restarting). Nothing of such a call was acknowledged, and a retry of it is safe (events already applied come
/// back DUPLICATE). Anything else keeps its status, its detail put on one line: a detail may quote a client's text
/// (an unknown GPU's name), and a control character in it would break the one-line answer clients print and log.
/// </summary>
public sealed partial class ClusterErrorInterceptor(ILogger<ClusterErrorInterceptor> log) : Interceptor
{
    public static bool IsTransient(Exception e) => e is OrleansMessageRejectionException or ConnectionFailedException
        or SocketConnectionException or TimeoutException or InconsistentStateException or ReplicaLogConflictException
        // Storage faults: the replica store's, and Orleans' Redis grain storage's (the deployment grains' state).
        or ReplicaStoreUnavailableException or Orleans.Persistence.Redis.RedisStorageException;

    private RpcException Unavailable(Exception e, ServerCallContext context)
    {
        LogUnavailable(log, context.Method, e.GetType().Name, e.Message);
        return new RpcException(new Status(StatusCode.Unavailable, $"the twin's cluster could not complete the call, retry it: {e.GetType().Name}: {e.Message}"));
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (IsTransient(e)) { throw Unavailable(e, context); }
        catch (RpcException e) when (e.Status.Detail.Any(char.IsControl)) { throw OnOneLine(e); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception e) when (IsTransient(e)) { throw Unavailable(e, context); }
        catch (RpcException e) when (e.Status.Detail.Any(char.IsControl)) { throw OnOneLine(e); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception e) when (IsTransient(e)) { throw Unavailable(e, context); }
        catch (RpcException e) when (e.Status.Detail.Any(char.IsControl)) { throw OnOneLine(e); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception e) when (IsTransient(e)) { throw Unavailable(e, context); }
        catch (RpcException e) when (e.Status.Detail.Any(char.IsControl)) { throw OnOneLine(e); }
    }

    /// <summary>The same status with each control character of its detail written as <c>\xNN</c>.</summary>
    public static RpcException OnOneLine(RpcException e) =>
        new(new Status(e.StatusCode, string.Concat(e.Status.Detail.Select(c => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString()))), e.Trailers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: the cluster failed the call ({Error}: {Message}); answered UNAVAILABLE for the client to retry")]
    private static partial void LogUnavailable(ILogger logger, string method, string error, string message);
}
