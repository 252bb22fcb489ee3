using TokenSim.Core.Entities;

namespace TokenSim.Core.Tests;

public class CatalogTests
{
    [Theory]
    [InlineData("llama-2-7b", 6.74e9)]
    [InlineData("llama-2-13b", 13.0e9)]
    [InlineData("llama-2-70b", 68.98e9)]
    [InlineData("llama-3.1-8b", 8.03e9)]
    [InlineData("llama-3.1-70b", 70.55e9)]
    [InlineData("codellama-34b", 33.74e9)]
    [InlineData("mixtral-8x7b", 46.70e9)]
    [InlineData("qwen3-8b", 8.19e9)]
    [InlineData("qwen3-32b", 32.76e9)]
    [InlineData("qwen3-30b-a3b", 30.53e9)]
    [InlineData("qwen3-235b-a22b", 235.09e9)]   // Hugging Face model page: 235B total, 22B active
    [InlineData("gpt-oss-120b", 116.83e9)]      // gpt-oss model card: 116.83B total (biases and sinks left out here)
    [InlineData("minimax-m2.5", 228.7e9)]       // Hugging Face model page (safetensors): 229B
    public void EveryCatalogModel_HasItsPublishedParameterCount(string name, double published)
    {
        var m = ModelCatalog.Resolve(name);
        Assert.Equal(name, m.Name);
        // Norm weights and Qwen's q/k-norms are left out of the count: within 0.5% of the published totals.
        Assert.InRange(m.ParameterCount / published, 0.995, 1.005);
    }

    [Theory]
    [InlineData("meta-llama/Llama-3.1-8B", "llama-3.1-8b")]
    [InlineData("Qwen/Qwen3-30B-A3B-Instruct-2507", "qwen3-30b-a3b")]
    [InlineData("mistralai/Mixtral-8x7B-v0.1", "mixtral-8x7b")]
    public void HuggingFaceIds_ResolveToCatalogModels(string id, string name) => Assert.Equal(name, ModelCatalog.Resolve(id).Name);

    [Fact]
    public void KvBytesPerToken_MatchVllmPageSize()
    {
        // Llama-3.1-8B bf16: 2 × 8 KV heads × 128 × 2 B = 4 KiB per token per layer; ×32 layers = 128 KiB.
        var m = ModelCatalog.Resolve("llama-3.1-8b");
        Assert.Equal(4096, m.KvBytesPerTokenPerLayer(1, 2));
        Assert.Equal(128 * 1024, m.KvBytesPerTokenPerLayer(1, 2) * m.NumLayers);
        Assert.Equal(1, m.KvHeadsPerRank(16)); // replicated when TP exceeds KV heads
    }

    [Fact]
    public void ModelFromConfigFile_AndUnknownName()
    {
        var m = ModelCatalog.Resolve(TestSupport.DataFile("models", "Qwen--Qwen3-30B-A3B-Instruct-2507.config.json"));
        Assert.Equal(128, m.NumExperts);
        Assert.Equal(8, m.ExpertsPerToken);
        Assert.Equal(768, m.ExpertWidth);
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Resolve("gpt-9"));
        Assert.Contains("Known: llama-2-7b", e.Message);
    }

    [Theory]
    [InlineData("a100-40g")]
    [InlineData("a100-80g")]
    [InlineData("h100-sxm")]
    [InlineData("h200")]
    [InlineData("b200")]
    [InlineData("b300")]
    [InlineData("mi300x")]
    [InlineData("l40s")]
    [InlineData("a40")]
    [InlineData("rtx-4090")]
    [InlineData("rtx-pro-6000")]
    public void EveryCatalogGpu_HasMemoryBandwidthAndBf16(string name)
    {
        var h = HardwareCatalog.Resolve(name);
        Assert.Equal(name, h.Name);
        Assert.True(h.MemoryBytes > 20e9);
        Assert.True(h.MemoryBandwidthBytesPerSecond > 5e11);
        Assert.True(h.PeakFlops("bfloat16") > 1e14);
    }

    [Theory]
    [InlineData("RTXPRO6000", "rtx-pro-6000")]
    [InlineData("NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000")]
    [InlineData("RTX4090", "rtx-4090")]
    [InlineData("NVIDIA GeForce RTX 4090", "rtx-4090")]
    [InlineData("A100", "a100-80g")]
    [InlineData("h100_sxm", "h100-sxm")]
    [InlineData("b300_sxm", "b300")]
    public void MeasuredRunGpuNames_MapToTheCatalog(string alias, string name) => Assert.Equal(name, HardwareCatalog.Resolve(alias).Name);

    [Fact]
    public void UserHardwareFile_IsRead_AndBadFieldsAreNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-gpu-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            name: future-gpu
            memory_bytes: 300000000000
            memory_bandwidth_bytes_per_s: 1.2e+13
            flops: {bf16: 5.0e+15}
            intra_node_link: {bandwidth_bytes_per_s: 1.8e+12}
            """);
        try
        {
            var h = HardwareCatalog.Resolve(path);
            Assert.Equal("future-gpu", h.Name);
            Assert.Equal(5e15, h.PeakFlops("fp16"));
            File.WriteAllText(path, "name: broken\nmemory_bytes: 0\nmemory_bandwidth_bytes_per_s: 1\nflops: {bf16: 1}\n");
            var e = Assert.Throws<FormatException>(() => HardwareCatalog.Resolve(path));
            Assert.Contains("memory_bytes", e.Message);
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
