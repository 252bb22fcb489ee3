using Grpc.Core;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Registering deployments whose measured profile the server resolves or is given: every shipped profile variant
/// loads, and one the server cannot read is FAILED_PRECONDITION naming the file, never UNKNOWN.
/// </summary>
public sealed class ProfileRegistrationTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    private static DeploymentSpec Spec(string name, string model, string hardware, int tp, string perfModel) => new()
    {
        Name = name, Model = model, Hardware = hardware, Replicas = 1, TensorParallel = tp, PerfModel = perfModel,
        Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
    };

    [Fact]
    public async Task Auto_OnRtx4090_LoadsTheProfileWhoseSkewFitIsDisabled()
    {
        var info = await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(
            new RegisterDeploymentRequest { Spec = Spec("prof-4090", "llama-3.1-8b", "rtx-4090", 1, "auto") });
        Assert.Contains("RTX4090", info.ResolvedPerfModel);
        Assert.StartsWith("profile:", info.ResolvedPerfModel);
    }

    [Fact]
    public async Task Auto_AtATpDegreeTheProfileLacks_FallsBackToTheRoofline()
    {
        var info = await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(
            new RegisterDeploymentRequest { Spec = Spec("prof-4090-tp2", "llama-3.1-8b", "rtx-4090", 2, "auto") });
        Assert.Equal("roofline", info.ResolvedPerfModel);
    }

    [Fact]
    public async Task CorruptedProfile_IsFailedPrecondition_NamingTheFileAndField()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-badprofile-").FullName;
        try
        {
            var source = TestData.ProfileDir;
            Directory.CreateDirectory(Path.Combine(dir, "tp1"));
            foreach (var f in Directory.GetFiles(Path.Combine(source, "tp1"))) File.Copy(f, Path.Combine(dir, "tp1", Path.GetFileName(f)));
            // meta.yaml declares the skew fit but its bucket axes are gone.
            var meta = File.ReadAllLines(Path.Combine(source, "meta.yaml")).TakeWhile(l => !l.StartsWith("  bucket_axes:", StringComparison.Ordinal));
            File.WriteAllLines(Path.Combine(dir, "meta.yaml"), meta);
            var e = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(
                new RegisterDeploymentRequest { Spec = Spec("prof-bad", "llama-3.1-8b", "rtx-pro-6000", 1, $"profile:{dir}") }));
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains(Path.Combine(dir, "meta.yaml"), e.Status.Detail);
            Assert.Contains("skew_fit.bucket_axes", e.Status.Detail);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
