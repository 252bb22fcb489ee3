namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// One attention kernel as FlashAttention runs it over a paged KV cache (vLLM's V1 FlashAttention backend: one
/// varlen launch for the whole batch).
/// <list type="bullet">
/// <item><b>Prefill</b>: one block per (query head, query tile of a chunk). A block walks the key tiles up to its
/// diagonal; the tile on the diagonal is computed whole, so causal masking wastes about half a tile per query row.
/// Blocks are list-scheduled over the SMs: the kernel takes the longer of the average SM's share and the longest
/// block (a short prompt leaves SMs idle).</item>
/// <item><b>Decode alone</b>: FlashDecoding. Each sequence's KV is split so that the blocks fill the SMs, the query
/// heads of a GQA group share a 64-row tile, and the time is the KV bytes over the bandwidth the busy SMs can pull,
/// plus a second kernel that combines the splits.</item>
/// <item><b>Mixed</b>: with a prefill in the batch the kernel is the prefill kernel, so every decode's single query
/// row occupies a whole query tile per head (unless FlashAttention-3 packs the GQA group) and no KV split is
/// made. That is why a mixed step costs far more than its parts: 128 decodes at KV 1,024 run 128 tiles of
/// tensor-core work per head for one useful row. On FlashAttention-2 each query head's blocks read their KV head
/// again, served by the L2 only while it holds the head's KV (<see cref="GqaRereads"/>), and its grid gives each
/// decode the prefill's further query tiles, blocks that exit at once (<see cref="EmptyBlockSeconds"/>).</item>
/// </list>
/// The softmax's exponentials run on the special-function units, 16 per SM per clock: on FlashAttention-2 they add to
/// the matmul time, on FlashAttention-3 they overlap it (<see cref="FlashAttentionTiles.OverlapsSoftmax"/>). Compute
/// and memory overlap inside a kernel, so it costs the larger of the two plus the launch floor.
/// </summary>
public sealed class AttentionModel(GpuDevice gpu, FlashAttentionTiles tiles)
{
    public double Seconds(in AttentionShape s)
    {
        if (s.PrefillTokens <= 0 && s.Decodes <= 0) return 0;
        bool mixedKernel = s.PrefillTokens > 0;
        double d = s.HeadDim, group = Math.Max(1, s.QueryHeads / s.KvHeads);
        double flopsPerSm = gpu.SmFlops * gpu.Parameters.AttentionEfficiency;

        // Prefill blocks: query tiles per chunk (a partial last tile per chunk), each (query head) a block.
        double br = tiles.QueryRows, bc = tiles.KeyColumns;
        double prefillBlocks = 0, prefillFlops = 0, longestBlock = 0;
        if (mixedKernel)
        {
            double chunks = Math.Max(1, s.PrefillChunks);
            double meanChunk = s.PrefillTokens / chunks;
            double cached = Math.Max(0, s.PrefillKvRead / chunks - meanChunk);
            // FlashAttention-3 packs a GQA group's query heads into the rows of one tile for every varlen call
            // (hopper/heuristics.h, should_pack_gqa: "if (varlen_q) return true"), so a tile holds br / group tokens
            // of all the group's heads and there are tiles per KV head; FlashAttention-2 has tiles per query head.
            double owners = tiles.PacksGqa ? s.KvHeads : s.QueryHeads;
            double tokensPerTile = tiles.PacksGqa ? br / group : br;
            double queryTiles = Math.Ceiling(meanChunk / tokensPerTile);
            prefillBlocks = owners * chunks * queryTiles;
            // Each query tile multiplies whole br x bc tiles up to the key tile holding its last row's diagonal: a chunk
            // of 16 tokens still computes a 64-row tile, and the masked part of each diagonal tile is computed too.
            // The batch keeps only totals, so the tiles are those of its mean chunk, scaled by its causal pairs over
            // the mean chunk's: above 1 when the chunks differ in size, below 1 under a sliding window.
            double meanPairs = chunks * (meanChunk * cached + meanChunk * (meanChunk + 1) / 2);
            double pairsScale = meanPairs > 0 ? s.PrefillPairs / meanPairs : 1;
            prefillFlops = 4 * d * br * bc * owners * chunks * KeyTiles(meanChunk, cached, tokensPerTile, bc) * pairsScale;
            // The longest block reads its chunk's cached keys and its own, or (under a window) about twice a row's mean.
            double longestKeys = Math.Min(cached + meanChunk, 2 * s.PrefillPairs / s.PrefillTokens + tokensPerTile);
            longestBlock = 4 * d * br * bc * Math.Ceiling(longestKeys / bc);
        }

        double decodeBlocks = 0, decodeFlops = 0, splits = 1, emptyBlocks = 0;
        if (s.Decodes > 0)
        {
            double meanKv = s.DecodeContext / s.Decodes;
            // A block walks whole key tiles: a decode of 32 keys still multiplies a full 128-key tile.
            double paddedKv = Math.Ceiling(meanKv / bc) * bc;
            if (mixedKernel)
            {
                // Each decode row fills a query tile: per query head, or per GQA group where FlashAttention-3 packs it.
                double rowsOwners = tiles.PacksGqa ? s.KvHeads : s.QueryHeads;
                double rowsPerTile = tiles.PacksGqa ? Math.Max(br, group) : br;
                decodeBlocks = s.Decodes * rowsOwners;
                // FlashAttention-2 sizes the grid's query-tile axis by the batch's longest query: each decode also gets
                // the prefill's further query tiles, blocks that find no rows and exit (the mean chunk's: a batch keeps only totals).
                if (RunsFlashAttention2(s.KvBytes)) emptyBlocks = s.Decodes * s.QueryHeads * Math.Max(0, Math.Ceiling(s.PrefillTokens / Math.Max(1, s.PrefillChunks) / br) - 1);
                decodeFlops = 4 * d * rowsPerTile * s.Decodes * paddedKv * rowsOwners;
                longestBlock = Math.Max(longestBlock, 4 * d * rowsPerTile * paddedKv);
            }
            else
            {
                // FlashAttention-2's split-KV kernel folds the group into a 64-row tile; FlashAttention-3 packs it into its 128-row one.
                double rows = Math.Max(tiles.PacksGqa ? br : FlashAttentionTiles.DecodeRows, group);
                double owners = s.Decodes * s.KvHeads;
                // FlashDecoding's split count: enough blocks for every SM, no more than one split per key tile.
                splits = Math.Clamp(Math.Ceiling(gpu.Sms / owners), 1, Math.Min(FlashAttentionTiles.MaxSplits, Math.Max(1, Math.Ceiling(meanKv / bc))));
                decodeBlocks = owners * splits;
                double splitKv = Math.Ceiling(meanKv / splits / bc) * bc;
                decodeFlops = 4 * d * rows * splitKv * decodeBlocks;
                longestBlock = 4 * d * rows * splitKv;
            }
        }

        double blocks = prefillBlocks + decodeBlocks;
        // The busiest SM's matmul FLOPs; every score it computes (4·d FLOPs each) also takes one exponential.
        double smFlops = Math.Max((prefillFlops + decodeFlops) / gpu.Sms, longestBlock);
        double mma = smFlops / flopsPerSm, exp = smFlops / (4 * d) / (FlashAttentionTiles.ExpPerSmPerClock * gpu.Micro.BoostClockHz);
        double compute = tiles.OverlapsSoftmax ? Math.Max(mma, exp) : mma + exp;
        // DRAM: the KV each sequence reads (once where a GQA group's heads share it in L2; a chunk's query tiles always do), Q and O.
        double kvHeadBytes = 2 * d * s.KvBytes * (s.DecodeContext + s.PrefillKvRead);
        double kvBytes = s.KvHeads * kvHeadBytes;
        if (mixedKernel && group > 1 && RunsFlashAttention2(s.KvBytes))
            kvBytes *= GqaRereads(group, prefillBlocks / s.QueryHeads + s.Decodes, kvHeadBytes, d);
        double qoBytes = 2 * (s.PrefillTokens + s.Decodes) * s.QueryHeads * d * s.ActivationBytes;
        double memory = (kvBytes + qoBytes) / gpu.StreamBytesPerSecond(blocks);
        double seconds = Math.Max(compute, memory) + EmptyBlockSeconds(emptyBlocks, d) + gpu.LaunchSeconds;
        // The split-KV combine: reads every split's FP32 partial output and log-sum-exp, writes the output.
        if (splits > 1) seconds += gpu.LaunchSeconds + s.Decodes * s.QueryHeads * d * (4 * splits + s.ActivationBytes) / gpu.DramBytesPerSecond;
        return seconds;
    }

    /// <summary>
    /// Blocks of FlashAttention-2's varlen grid that hold no query rows. The grid is (query tile, sequence, head) with
    /// the query-tile axis sized by the longest query (<c>flash_fwd_launch_template.h</c>:
    /// <c>num_m_block = (params.seqlen_q + kBlockM - 1) / kBlockM</c>, <c>seqlen_q</c> being <c>max_seqlen_q</c> for
    /// varlen), and a block past its own sequence's rows returns as soon as it has read that sequence's lengths
    /// (<c>compute_attn_1rowblock_splitkv</c>: <c>if (m_block * kBlockM &gt;= binfo.actual_seqlen_q) return;</c>). Each
    /// holds an SM slot for that one load's round trip (<see cref="RowKernelLaunch.L2HitLatencyCycles"/>), and the
    /// SMs run as many at once as the kernel's shared memory lets them hold. A 1,024-token chunk beside 128 decodes
    /// of 32 heads on RTX PRO 6000: 128 · 32 · 15 = 61,440 such blocks over 188 SMs of one block each, 35 µs.
    /// FlashAttention-3 and FlashInfer schedule only the tiles each sequence has.
    /// </summary>
    public double EmptyBlockSeconds(double emptyBlocks, double headDim)
    {
        if (emptyBlocks <= 0) return 0;
        double resident = gpu.Sms * tiles.BlocksPerSm(headDim, gpu.Micro.SharedMemoryPerSmBytes);
        return emptyBlocks / resident * RowKernelLaunch.L2HitLatencyCycles / gpu.Micro.BoostClockHz;
    }

    /// <summary>
    /// Whether vLLM runs FlashAttention-2 here (<see cref="VllmAttentionBackend"/>): FlashInfer on compute capability
    /// 10.x, FlashAttention-3 (which packs the group) on Hopper, FlashInfer for a quantised KV cache off Hopper.
    /// </summary>
    private bool RunsFlashAttention2(double kvBytes) => !tiles.PacksGqa
        && VllmAttentionBackend.For(gpu.Hardware.ComputeCapability, kvBytes >= 2 ? "bf16" : "fp8") == AttentionBackend.FlashAttention;

    /// <summary>
    /// How many times FlashAttention-2's varlen kernel reads each KV head from DRAM when its GQA group's query heads
    /// each run their own blocks (every launch with a prefill in it; a decode-only batch folds the group into one tile).
    /// The grid is (query tile, sequence, query head) (<c>flash_fwd_launch_template.h</c>:
    /// <c>dim3 grid(num_m_block, params.b, params.h)</c>) and head h reads KV head h / group, so the group's heads run
    /// one after another, <paramref name="blocksPerHead"/> blocks apart. Where a block and its neighbour in the next
    /// head are in the same wave of resident blocks they read the same KV together and the L2 serves the second;
    /// otherwise the whole head's KV (<paramref name="kvHeadBytes"/>, the batch's) passes through the L2 between the
    /// two reads, and the second hits only in the share of it the L2 holds. 128 decodes at 4,096 keys on RTX PRO 6000
    /// (188 resident blocks, 129 a head, 268 MB of KV a head against 128 MB of L2): 1 + 3 · (129/188) · 0.5 = 2.0 reads.
    /// </summary>
    public double GqaRereads(double group, double blocksPerHead, double kvHeadBytes, double headDim)
    {
        if (group <= 1 || blocksPerHead <= 0 || kvHeadBytes <= 0) return 1;
        double resident = gpu.Sms * tiles.BlocksPerSm(headDim, gpu.Micro.SharedMemoryPerSmBytes);
        double apart = Math.Min(1, blocksPerHead / resident);
        double miss = apart * Math.Max(0, 1 - gpu.Micro.L2Bytes / kvHeadBytes);
        return 1 + (group - 1) * miss;
    }

    /// <summary>
    /// Key tiles the query tiles of one causal chunk walk: tile j (rows up to min((j+1)·br, n)) reads the cached
    /// keys and the chunk's keys up to its last row, rounded up to whole bc-key tiles.
    /// </summary>
    public static double KeyTiles(double chunk, double cached, double br, double bc)
    {
        double tiles = 0;
        for (double end = Math.Min(br, chunk); ; end = Math.Min(end + br, chunk))
        {
            tiles += Math.Ceiling((cached + end) / bc);
            if (end >= chunk) break;
        }
        return tiles;
    }
}
