using TokenSim.Core.Simulation;

namespace TokenSim.Core.Memory;

/// <summary>
/// vLLM-style paged KV cache without prefix sharing: a request holds ceil(tokens / block size) blocks, allocated
/// when a step is scheduled and released on finish or preemption. Only counts are tracked, which is all timing
/// and admission depend on when blocks are not shared.
/// </summary>
public sealed class PagedKvCacheManager(int totalBlocks, int blockSize) : IKvCacheManager
{
    public int BlockSize { get; } = blockSize > 0 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize));
    public int TotalBlocks { get; } = totalBlocks >= 0 ? totalBlocks : throw new ArgumentOutOfRangeException(nameof(totalBlocks));
    public int FreeBlocks { get; private set; } = totalBlocks;

    public bool CanFit(Request r, int tokens) => (tokens + BlockSize - 1) / BlockSize - r.BlocksHeld <= FreeBlocks;

    public bool TryAllocate(Request r, int tokens)
    {
        int need = (tokens + BlockSize - 1) / BlockSize - r.BlocksHeld;
        if (need <= 0) return true;
        if (need > FreeBlocks) return false;
        FreeBlocks -= need;
        r.BlocksHeld += need;
        return true;
    }

    public void Free(Request r)
    {
        FreeBlocks += r.BlocksHeld;
        r.BlocksHeld = 0;
        if (FreeBlocks > TotalBlocks) throw new InvalidOperationException($"KV accounting broke: {FreeBlocks} free of {TotalBlocks} after freeing {r}.");
    }

    bool IKvCacheManager.GrowsByCount(Request r) => true;

    public IKvCacheManager Clone() => new PagedKvCacheManager(TotalBlocks, BlockSize) { FreeBlocks = FreeBlocks };
}
