using System.Threading.Channels;
using Grpc.Core;
using TokenSim.Contracts.V1;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;
using TokenSim.Planning;
using TokenSim.Twin.Abstractions;
using Traffic = TokenSim.Planning.Traffic;

namespace TokenSim.Server.Grpc;

/// <summary>Capacity plans fanned out over the cluster's plan workers, and single what-if simulations.</summary>
public sealed class PlanningService(IGrainFactory grains, IPlanExecutors executors, TokenSim.Server.Metrics.PlanAnswerMetrics answers, TimeProvider time) : Contracts.V1.Planning.PlanningBase
{
    public override async Task Plan(PlanRequest request, IServerStreamWriter<PlanUpdate> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        PlanProblem problem;
        try
        {
            problem = await ProblemAsync(request);
            problem.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        var executor = await executors.CreateAsync(problem);
        // Progress comes from many simulations at once; one writer sends it in order, as a stream allows.
        var updates = Channel.CreateUnbounded<PlanUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var u in updates.Reader.ReadAllAsync(cancellation)) await responseStream.WriteAsync(u, cancellation);
        }, cancellation);
        Planning.PlanResult result;
        try
        {
            result = await CapacityPlanner.PlanAsync(problem, executor,
                new Reporter(p => updates.Writer.TryWrite(new PlanUpdate { Progress = PlanMapper.ToProto(p) })), cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            updates.Writer.TryComplete();
            throw new RpcException(new Status(StatusCode.Cancelled, "the plan was cancelled; its simulations were stopped"));
        }
        var answer = PlanMapper.ToProto(result);
        answers.Answered(answer, time.GetUtcNow());
        updates.Writer.TryWrite(new PlanUpdate { Result = answer });
        updates.Writer.TryComplete();
        await writer;
    }

    private async Task<PlanProblem> ProblemAsync(PlanRequest request)
    {
        var baseOptions = PlanMapper.Options(request.Base, "base");
        var settings = PlanProblem.BaseSettings(baseOptions);
        if (request.Traffic is null) throw new ArgumentException("traffic is missing: give live, arrivals or rate.");
        Traffic traffic = request.Traffic.SourceCase switch
        {
            Contracts.V1.Traffic.SourceOneofCase.Live => await LiveAsync(request.Traffic.Live),
            Contracts.V1.Traffic.SourceOneofCase.Arrivals => PlanMapper.FromProto(request.Traffic.Arrivals, "traffic.arrivals"),
            Contracts.V1.Traffic.SourceOneofCase.Rate => Rate(request.Traffic.Rate, settings),
            _ => throw new ArgumentException("traffic has no source: give live, arrivals or rate."),
        };
        traffic = traffic.Grown(request.Traffic.Growth == 0 ? 1 : request.Traffic.Growth);
        return new PlanProblem
        {
            BaseOptions = baseOptions, Traffic = traffic, Slo = PlanMapper.FromProto(request.Slo),
            Candidates = PlanMapper.FromProto(request.Candidates), Exhaustive = request.Exhaustive,
        };
    }

    private static Traffic Rate(RateTraffic r, SimulateSettings settings)
    {
        if (!string.IsNullOrEmpty(r.Lengths) && !r.Lengths.Contains('=') && r.Lengths.ToLowerInvariant() is not ("azure-conv" or "azure-code"))
            throw new ArgumentException($"traffic.rate.lengths: '{r.Lengths}' is neither azure-conv, azure-code nor input=L,output=L (a server reads no file a client names).");
        return Traffic.FromRate(r.Rate, r.DurationS, r.Lengths, PlanProblem.MaxModelLen(settings), settings.Seed);
    }

    private async Task<Traffic> LiveAsync(Contracts.V1.LiveWindow live)
    {
        if (string.IsNullOrEmpty(live.Deployment)) throw new ArgumentException("traffic.live.deployment is missing.");
        var snapshot = await grains.GetGrain<IDeploymentTwinGrain>(live.Deployment).GetAccuracyAsync();
        if (snapshot is null) RpcErrors.ThrowNotFound(live.Deployment);
        return Twin.Abstractions.LiveWindow.Traffic(live.Deployment, snapshot.Requests, live.WindowS);
    }

    public override async Task<SimulateReply> Simulate(SimulateRequest request, ServerCallContext context)
    {
        SimulateSettings settings;
        WorkloadSpec.Built? workload = null;
        try
        {
            settings = new SimulateSettings();
            foreach (var (k, v) in PlanMapper.Options(request.Options, "options")) settings.Set(k, v, $"options.{k}");
            if (request.Arrivals is { } a)
            {
                var traffic = PlanMapper.FromProto(a, "arrivals");
                workload = new WorkloadSpec.Built(new TraceWorkloadSource(traffic.Requests), traffic.Description, []);
            }
            else RemoteOptions.CheckWorkload(settings.Workload, "options.workload");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        return await Task.Run(() =>
        {
            long started = time.GetTimestamp();
            Simulator sim;
            WorkloadSpec.Built built;
            try
            {
                (sim, _, built) = settings.Build(workload);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
            }
            sim.Run(context.CancellationToken);
            using var json = new MemoryStream();
            SimulationReport.From(sim, time.GetElapsedTime(started).TotalSeconds).WriteJson(json);
            var reply = new SimulateReply { SummaryJson = System.Text.Encoding.UTF8.GetString(json.ToArray()), WorkloadDescription = built.Description };
            reply.Notes.AddRange(built.Notes);
            return reply;
        }, context.CancellationToken);
    }

    private sealed class Reporter(Action<Planning.PlanProgress> report) : IProgress<Planning.PlanProgress>
    {
        public void Report(Planning.PlanProgress value) => report(value);
    }
}
