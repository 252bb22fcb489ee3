namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A mirrored deployment: <see cref="Replicas"/> identical engines of <see cref="Model"/> on <see cref="Hardware"/>.
/// Null engine settings take vLLM's defaults for the model and GPU. <see cref="PerfModel"/> is <c>auto</c> (a profile
/// in the server's data folder for this GPU and model, else roofline), <c>roofline</c> or <c>profile:DIR</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.TwinDeploymentSpec")]
public sealed record TwinDeploymentSpec
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required string Model { get; init; }
    [Id(2)] public required string Hardware { get; init; }
    [Id(3)] public int TensorParallel { get; init; } = 1;
    [Id(4)] public int Replicas { get; init; } = 1;
    [Id(5)] public int? MaxNumSeqs { get; init; }
    [Id(6)] public int? MaxNumBatchedTokens { get; init; }
    [Id(7)] public int? BlockSize { get; init; }
    [Id(8)] public int? KvBlocks { get; init; }
    [Id(9)] public int? MaxModelLen { get; init; }
    [Id(10)] public bool? EnablePrefixCaching { get; init; }
    [Id(11)] public double? GpuMemoryUtilization { get; init; }
    [Id(12)] public string Scheduler { get; init; } = "vllm-v1";
    [Id(13)] public string PerfModel { get; init; } = "auto";
}
