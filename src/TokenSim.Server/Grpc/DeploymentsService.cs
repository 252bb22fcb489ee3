using Grpc.Core;
using TokenSim.Contracts.V1;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Grpc;

/// <summary>Registers deployments and reports their accuracy.</summary>
public sealed class DeploymentsService(IGrainFactory grains) : Deployments.DeploymentsBase
{
    public override async Task<DeploymentInfo> RegisterDeployment(RegisterDeploymentRequest request, ServerCallContext context)
    {
        if (request.Spec is null) RpcErrors.ThrowInvalidArgument("spec is missing");
        var spec = ProtoMapper.FromProto(request.Spec);
        if (string.IsNullOrEmpty(spec.Name)) RpcErrors.ThrowInvalidArgument("spec.name is missing");
        try
        {
            return ProtoMapper.ToProto(await grains.GetGrain<IDeploymentTwinGrain>(spec.Name).RegisterAsync(spec));
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (FormatException e)
        {
            // A profile or catalog file on the server that cannot be read: the request was fine, the server's data is not.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (FileNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (DirectoryNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }

    public override async Task<DeploymentInfo> GetDeployment(GetDeploymentRequest request, ServerCallContext context)
    {
        var summary = string.IsNullOrEmpty(request.Name) ? null : await grains.GetGrain<IDeploymentTwinGrain>(request.Name).GetAsync();
        if (summary is null) RpcErrors.ThrowNotFound(request.Name);
        return ProtoMapper.ToProto(summary);
    }

    public override async Task<AccuracyReport> GetAccuracy(GetAccuracyRequest request, ServerCallContext context)
    {
        var snapshot = string.IsNullOrEmpty(request.Deployment) ? null : await grains.GetGrain<IDeploymentTwinGrain>(request.Deployment).GetAccuracyAsync();
        if (snapshot is null) RpcErrors.ThrowNotFound(request.Deployment);
        var report = new AccuracyReport { Deployment = request.Deployment };
        report.Requests.AddRange(snapshot.Requests.Select(ProtoMapper.ToProto));
        report.Replicas.AddRange(snapshot.Replicas.Select(ProtoMapper.ToProto));
        report.Totals = ProtoMapper.ToProto(snapshot.Totals);
        return report;
    }
}
