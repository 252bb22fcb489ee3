using System.Diagnostics.CodeAnalysis;
using Grpc.Core;

namespace TokenSim.Server.Grpc;

/// <summary>The RpcExceptions the services raise.</summary>
internal static class RpcErrors
{
    [DoesNotReturn]
    public static void ThrowNotFound(string deployment) =>
        throw new RpcException(new Status(StatusCode.NotFound, $"deployment '{deployment}' is not registered (Deployments.RegisterDeployment)"));

    [DoesNotReturn]
    public static void ThrowInvalidArgument(string message) => throw new RpcException(new Status(StatusCode.InvalidArgument, message));

    [DoesNotReturn]
    public static void ThrowFailedPrecondition(string message) => throw new RpcException(new Status(StatusCode.FailedPrecondition, message));
}
