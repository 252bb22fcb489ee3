using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using TokenSim.Server.Extensions;

namespace TokenSim.Server.Grpc;

/// <summary>
/// When the server has an API key, every call must carry it in <c>x-api-key</c>; else UNAUTHENTICATED. gRPC health
/// checks are the exception: Kubernetes' gRPC probes cannot send headers, and health says nothing about the twin.
/// </summary>
public sealed class ApiKeyInterceptor(ServerSettings settings) : Interceptor
{
    public const string Header = "x-api-key";
    private const string HealthService = "/grpc.health.v1.Health/";
    private readonly byte[]? _key = settings.ApiKey is { } k ? Encoding.UTF8.GetBytes(k) : null;

    private void Check(ServerCallContext context)
    {
        if (_key is null || context.Method.StartsWith(HealthService, StringComparison.Ordinal)) return;
        var given = context.RequestHeaders.GetValue(Header);
        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key))
            throw new RpcException(new Status(StatusCode.Unauthenticated, given is null ? $"this server requires an API key in the '{Header}' header" : $"the API key in '{Header}' is not valid"));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }
}
