using TokenSim.Core.Entities;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// How long a new replica takes before it serves: its weights read from local storage and copied to each GPU over
/// PCIe, then CUDA graphs captured. The GPUs of a replica load their shards in parallel, each over its own PCIe link,
/// from the node's one drive; the slower of the two paths sets the pace.
/// </summary>
public static class StartupDelay
{
    /// <summary>
    /// Sequential read of one PCIe 4.0 NVMe drive: 7,450 MB/s, Samsung 990 PRO datasheet ("up to 7,450 MB/s"
    /// sequential read). A node reading from network storage is slower; a scenario may give its own figure.
    /// </summary>
    public const double StorageBytesPerSecond = 7.45e9;

    /// <summary>
    /// vLLM's CUDA-graph capture at start-up: "Graph capturing finished in 14 secs" for the 35 default batch sizes
    /// (vllm-project/vllm#11349, Llama-3.2-1B); 17 s in vllm-project/vllm#20264. Skipped with --enforce-eager.
    /// </summary>
    public const double GraphCaptureSeconds = 14;

    /// <summary>Used when the GPU catalog gives no PCIe link: PCIe 4.0 x16, 32 GB/s per direction (PCI-SIG), as gpus.yaml's A100 entries.</summary>
    public const double DefaultPcieBytesPerSecond = 3.2e10;

    /// <summary>The start-up delay of one replica of <paramref name="spec"/>, in seconds.</summary>
    public static double Seconds(ReplicaSpec spec, double storageBytesPerSecond = StorageBytesPerSecond)
    {
        int gpus = spec.TensorParallel * spec.PipelineParallel;
        double perGpu = spec.Memory.WeightBytes;
        double pcie = spec.Hardware.Pcie?.BandwidthBytesPerSecond ?? DefaultPcieBytesPerSecond;
        double load = Math.Max(perGpu * gpus / storageBytesPerSecond, perGpu / pcie);
        return load + (spec.EnforceEager ? 0 : GraphCaptureSeconds);
    }
}
