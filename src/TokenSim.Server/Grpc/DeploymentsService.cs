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

    /// <summary>Records per page when the request names none: about 90 KB of them with short request ids.</summary>
    public const int DefaultAccuracyPageSize = 1_000;
    /// <summary>The largest page: 10,000 records of 256-character ids stay under gRPC's default 4 MB message limit.</summary>
    public const int MaxAccuracyPageSize = 10_000;

    public override async Task<AccuracyReport> GetAccuracy(GetAccuracyRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0) RpcErrors.ThrowInvalidArgument($"page_size must be 0 (the default, {DefaultAccuracyPageSize}) or positive (got {request.PageSize})");
        int size = request.PageSize == 0 ? DefaultAccuracyPageSize : Math.Min(request.PageSize, MaxAccuracyPageSize);
        bool first = request.PageToken.Length == 0;
        (int replica, long ordinal) = first ? (0, 0L) : AccuracyPageToken.Parse(request.PageToken)
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_token '{AccuracyPageToken.Shown(request.PageToken)}' is not one this server gave (pass next_page_token unchanged)"));
        DeploymentAccuracyPage? page;
        try
        {
            page = string.IsNullOrEmpty(request.Deployment) ? null
                : await grains.GetGrain<IDeploymentTwinGrain>(request.Deployment).GetAccuracyPageAsync(replica, ordinal, size, first);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        if (page is null) RpcErrors.ThrowNotFound(request.Deployment);
        var report = new AccuracyReport { Deployment = request.Deployment };
        report.Requests.AddRange(page.Requests.Select(ProtoMapper.ToProto));
        if (page.Replicas is { } replicas) report.Replicas.AddRange(replicas.Select(ProtoMapper.ToProto));
        if (page.Totals is { } totals) report.Totals = ProtoMapper.ToProto(totals);
        if (page.NextReplica is { } next) report.NextPageToken = AccuracyPageToken.Format(next, page.NextOrdinal);
        return report;
    }
}
