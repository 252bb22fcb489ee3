using Grpc.Core;
using Grpc.Core.Interceptors;
using TokenSim.Server.Extensions;

namespace TokenSim.Server.Grpc;

/// <summary>
/// When the server has an API key, every call must carry it in <c>x-api-key</c> (<see cref="ApiKeyCheck"/>); else UNAUTHENTICATED. gRPC health
/// checks are the exception: Kubernetes' gRPC probes cannot send headers, and health says nothing about the twin.
/// </summary>
public sealed class ApiKeyInterceptor(ServerSettings settings) : Interceptor
{
    public const string Header = ApiKeyCheck.Header;
    private const string HealthService = "/grpc.health.v1.Health/";

    private void Check(ServerCallContext context)
    {
        if (context.Method.StartsWith(HealthService, StringComparison.Ordinal)) return;
        if (ApiKeyCheck.Refusal(settings.ApiKey, context.RequestHeaders.GetValue(Header)) is { } refusal)
            throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
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
