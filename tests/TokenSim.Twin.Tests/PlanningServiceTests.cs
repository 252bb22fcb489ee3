using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TokenSim.Contracts.V1;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Planning;
using Slo = TokenSim.Contracts.V1.Slo;
using CandidateSpace = TokenSim.Contracts.V1.CandidateSpace;
using Traffic = TokenSim.Planning.Traffic;

namespace TokenSim.Twin.Tests;

/// <summary>The Planning service of a server process: plans streamed, cancelled, refused; what-if simulations.</summary>
public sealed class PlanningServiceTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    private Contracts.V1.Planning.PlanningClient Client => new(server.Channel);

    private static Arrivals ToProto(Traffic t)
    {
        var a = new Arrivals { Description = t.Description };
        a.ArrivalS.AddRange(t.Requests.Select(r => r.ArrivalTime));
        a.PromptTokens.AddRange(t.Requests.Select(r => r.PromptTokens));
        a.OutputTokens.AddRange(t.Requests.Select(r => r.OutputTokens));
        return a;
    }

    /// <summary><see cref="PlanTestProblems.Small"/> as a request.</summary>
    private static PlanRequest SmallRequest(double ttft = 0.25)
    {
        var p = PlanTestProblems.Small();
        var request = new PlanRequest
        {
            Traffic = new Contracts.V1.Traffic { Arrivals = ToProto(p.Traffic) },
            Slo = new Slo { Percentile = 0.9, TtftS = ttft, TpotS = 0.03 },
            Candidates = new CandidateSpace { Hardware = { "a100-80g", "l40s" }, TensorParallel = { 1 }, Scheduler = { "vllm-v1", "sarathi" }, MinReplicas = 1, MaxReplicas = 6 },
        };
        request.Candidates.CostPerGpuHour.Add("a100-80g", 1.8);
        request.Candidates.CostPerGpuHour.Add("l40s", 1.0);
        foreach (var (k, v) in PlanTestProblems.BaseOptions) request.Base[k] = v;
        return request;
    }

    private async Task<(List<Contracts.V1.PlanProgress> Progress, Contracts.V1.PlanResult Result)> PlanAsync(PlanRequest request)
    {
        using var call = Client.Plan(request);
        var progress = new List<Contracts.V1.PlanProgress>();
        Contracts.V1.PlanResult? result = null;
        await foreach (var u in call.ResponseStream.ReadAllAsync())
        {
            if (u.UpdateCase == PlanUpdate.UpdateOneofCase.Progress) progress.Add(u.Progress);
            else result = u.Result;
        }
        return (progress, result ?? throw new InvalidOperationException("no result"));
    }

    [Fact]
    public async Task Plan_StreamsProgress_ThenTheAnswerThePlannerGivesInProcess()
    {
        var (progress, result) = await PlanAsync(SmallRequest());
        var local = await CapacityPlanner.PlanAsync(PlanTestProblems.Small(), new LocalSimulationExecutor(PlanTestProblems.Small()));
        Assert.True(result.Found);
        Assert.Equal((local.Best!.Candidate.Hardware, local.Best.Candidate.Scheduler, local.Best.Candidate.Replicas),
            (result.Best.Hardware, result.Best.Scheduler, result.Best.Replicas));
        Assert.Equal(local.Best.TtftAtPercentile, result.Best.TtftS);
        // Which candidates are simulated depends on which finish first (a cheap answer found early prunes dearer
        // ones), so the counts may differ from the in-process plan's; each plan accounts for every configuration.
        Assert.Equal(24, result.Considered);
        Assert.True(result.SimulatedCount + result.Infeasible + result.Pruned <= result.Considered);
        Assert.All(result.Simulated.Where(c => !string.IsNullOrEmpty(c.StopReason)), c => Assert.False(c.MeetsSlo));
        Assert.DoesNotContain(result.Frontier, c => !string.IsNullOrEmpty(c.StopReason));
        Assert.Equal(result.SimulatedCount, progress.Count);
        Assert.Equal(Enumerable.Range(1, progress.Count), progress.Select(p => p.Simulated));
        Assert.NotEmpty(result.Frontier);
        var metrics = await server.MetricsTextAsync();
        Assert.Contains("tokensim_plan_simulations_total{silo=", metrics);
    }

    [Fact]
    public async Task Plan_ImpossibleSlos_SaysNoneMeetsThem_AndNamesTheClosest()
    {
        var (_, result) = await PlanAsync(SmallRequest(ttft: 0.001));
        Assert.False(result.Found);
        Assert.Null(result.Best);
        Assert.NotNull(result.Closest);
        Assert.False(result.Closest.MeetsSlo);
        Assert.Equal(6, result.Closest.Replicas);
    }

    [Fact]
    public async Task Simulate_AGpuNameWithControlCharacters_IsRefusedOnOneLine()
    {
        // The detail quotes the client's text; its newline and escape sequence were sent as they were.
        var request = new SimulateRequest { Options = { ["model"] = "llama-3.1-8b", ["hardware"] = "a\nb\u001b[2J" } };
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.SimulateAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(@"options.hardware: unknown GPU 'a\x0Ab\x1B[2J'. Known: ", e.Status.Detail);
    }

    [Theory]
    [InlineData("hardware", "candidates.hardware is empty: list at least one GPU.")]
    [InlineData("candidates", "candidates is missing: give hardware, tensor_parallel, max_replicas and cost_per_gpu_hour.")]
    [InlineData("slo", "slo is missing: give ttft_s and/or tpot_s, at a percentile or an attainment.")]
    [InlineData("traffic", "traffic is missing: give live, arrivals or rate.")]
    [InlineData("plugin", "base.plugin: 'plugin' names a file or plugin on the server, which a remote call cannot use.")]
    // Ten billion Poisson arrivals drawn into memory took the whole server down (the fuzzing of the proto mapping found it).
    [InlineData("rate", "traffic.rate × traffic.duration_s is 1E+10 requests; a plan's traffic holds at most 1,000,000.")]
    [InlineData("price", "candidates.cost_per_gpu_hour['l40s'] must be a positive number, at most 1,000,000,000 (got 1E+308).")]
    public async Task Plan_BadRequest_IsInvalidArgumentNamingTheField(string broken, string detail)
    {
        var request = SmallRequest();
        switch (broken)
        {
            case "hardware": request.Candidates.Hardware.Clear(); break;
            case "candidates": request.Candidates = null; break;
            case "slo": request.Slo = null; break;
            case "traffic": request.Traffic = null; break;
            case "plugin": request.Base["plugin"] = "/tmp/evil.dll"; break;
            case "rate": request.Traffic = new Contracts.V1.Traffic { Rate = new RateTraffic { Rate = 1e6, DurationS = 1e4, Lengths = "input=200,output=50" } }; break;
            case "price": request.Candidates.CostPerGpuHour["l40s"] = 1e308; break; // a cost per hour beyond a double
        }
        var e = await Assert.ThrowsAsync<RpcException>(() => PlanAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(detail, e.Status.Detail);
    }

    [Fact]
    public async Task Plan_CancelledByTheClient_StopsTheServersSimulations()
    {
        // 12,000 requests against 40 configurations: tens of seconds of simulation, cancelled at the first progress.
        var request = SmallRequest();
        request.Traffic.Arrivals = ToProto(Traffic.FromWorkload("poisson:rate=20,n=12000,lengths=azure-conv", 8192, 3));
        request.Candidates.MaxReplicas = 10;
        using var cts = new CancellationTokenSource();
        using var call = Client.Plan(request, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(PlanUpdate.UpdateOneofCase.Progress, call.ResponseStream.Current.UpdateCase);
        cts.Cancel();
        var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(CancellationToken.None)) { } });
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        // The server's workers stop: nothing running within a few seconds, and the count of finished ones stays put.
        double running = -1, done = -1;
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            var text = await server.MetricsTextAsync();
            running = Sum(text, "tokensim_plan_simulations_running{");
            done = Sum(text, "tokensim_plan_simulations_total{");
            if (running == 0) break;
        }
        Assert.Equal(0, running);
        await Task.Delay(2000);
        var after = await server.MetricsTextAsync();
        Assert.Equal(done, Sum(after, "tokensim_plan_simulations_total{"));
        Assert.Equal(0, Sum(after, "tokensim_plan_simulations_running{"));
    }

    private static double Sum(string metrics, string prefix) =>
        metrics.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Plan_LiveWindow_UsesTheArrivalsTheDeploymentsReplicasRecorded()
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);
        var deployments = new Deployments.DeploymentsClient(server.Channel);
        await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest
        {
            Spec = new DeploymentSpec { Name = "plan-live", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline", Engine = new EngineSettings { MaxModelLen = 8192 } },
        });
        var batch = new IngestBatchRequest();
        for (int i = 0; i < 20; i++)
            batch.Events.Add(new Event
            {
                EventId = $"a{i}", Deployment = "plan-live", Replica = i % 2, ProducedAt = Timestamp.FromDateTimeOffset(t0.AddSeconds(i)),
                RequestArrived = new RequestArrived { RequestId = $"r{i}", PromptTokens = 200 + i, MaxTokens = 50 },
            });
        await new Ingest.IngestClient(server.Channel).IngestBatchAsync(batch);
        var request = SmallRequest();
        request.Traffic = new Contracts.V1.Traffic { Live = new LiveWindow { Deployment = "plan-live", WindowS = 10 }, Growth = 2 };
        var (_, result) = await PlanAsync(request);
        // Arrivals at 9..19 s of the deployment's clock (the last at 19 s), twice as fast.
        Assert.Equal(11, result.TrafficRequests);
        Assert.Equal(5.0, result.TrafficDurationS, 9);
        Assert.Contains("deployment 'plan-live'", result.TrafficDescription);
        Assert.All(result.Simulated.Where(c => string.IsNullOrEmpty(c.Error)), c => Assert.Equal(11, c.Requests));

        request.Traffic.Live.Deployment = "nowhere";
        var e = await Assert.ThrowsAsync<RpcException>(() => PlanAsync(request));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Simulate_ReturnsTheSummaryOfAnInProcessSimulate()
    {
        var options = new Dictionary<string, string>
        {
            ["model"] = "llama-3.1-8b", ["hardware"] = "a100-80g", ["replicas"] = "2", ["scheduler"] = "sarathi",
            ["max-model-len"] = "8192", ["seed"] = "7", ["workload"] = "poisson:rate=6,n=300,lengths=azure-conv",
        };
        var request = new SimulateRequest();
        foreach (var (k, v) in options) request.Options[k] = v;
        var reply = await Client.SimulateAsync(request);

        var s = new SimulateSettings();
        foreach (var (k, v) in options) s.Set(k, v, "test");
        var (sim, _, workload) = s.Build();
        sim.Run();
        using var ms = new MemoryStream();
        SimulationReport.From(sim, 0).WriteJson(ms);
        static string WithoutWall(string json)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node.Remove("wall_s");
            return node.ToJsonString();
        }
        Assert.Equal(WithoutWall(System.Text.Encoding.UTF8.GetString(ms.ToArray())), WithoutWall(reply.SummaryJson));
        Assert.Equal(workload.Description, reply.WorkloadDescription);
        Assert.Equal(300, JsonNode.Parse(reply.SummaryJson)!["requests"]!.GetValue<long>());

        request.Options["workload"] = "/etc/passwd";
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.SimulateAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("options.workload: '/etc/passwd' is not a generator", e.Status.Detail);
    }
}
