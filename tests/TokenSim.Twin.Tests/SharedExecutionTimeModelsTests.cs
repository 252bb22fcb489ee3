using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Replica activations share one execution-time model per resolved perf model and engine: deployments that differ
/// only in name get the same instance; another engine, or another perf model, gets its own; a perf model that cannot
/// be built says so to each activation that asks for it.
/// </summary>
public sealed class SharedExecutionTimeModelsTests
{
    private static readonly TwinDeploymentSpec Spec = new() { Name = "a", Model = "Llama-3.1-8B", Hardware = "RTXPRO6000", KvBlocks = 1000, MaxModelLen = 4096 };

    private static object Model(string perf, TwinDeploymentSpec spec) => SharedExecutionTimeModels.For(perf, spec)(DeploymentSpecs.Build(spec));

    [Fact]
    public void SameEngine_OneModel_OtherEngineOrPerfModel_Another()
    {
        string profile = "profile:" + TestData.ProfileDir;
        var a = Model(profile, Spec);
        Assert.Same(a, Model(profile, Spec with { Name = "b" }));
        Assert.NotSame(a, Model(profile, Spec with { MaxNumSeqs = 8 }));
        Assert.NotSame(a, Model("roofline", Spec));
        Assert.Same(Model("roofline", Spec), Model("roofline", Spec with { Name = "c" }));
    }

    [Fact]
    public void AModelThatCannotBeBuilt_FailsEveryActivation()
    {
        string missing = "profile:" + Path.Combine(Path.GetTempPath(), "tokensim-no-such-profile-" + Guid.NewGuid().ToString("N"));
        Assert.Throws<DirectoryNotFoundException>(() => Model(missing, Spec));
        Assert.Throws<DirectoryNotFoundException>(() => Model(missing, Spec with { Name = "again" }));
    }
}
