using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// vLLM V1's CUDA-graph token padding (<c>VllmConfig._set_cudagraph_sizes</c>, <c>CudagraphDispatcher</c>). Steps of
/// up to the largest capture size replay a graph captured for the smallest capture size at or above their token
/// count, and the GPU runs the padded count through the graphed (non-attention) layers. Capture sizes are
/// 1, 2, 4, then 8..248 by 8, then 256..max by 16, where max = min(2 × max_num_seqs, 512, max_num_batched_tokens).
/// Larger steps run without a graph and without padding.
/// </summary>
public sealed class CudaGraphPadding
{
    private readonly int[] _padded;

    public CudaGraphPadding(int maxNumSeqs, int maxNumBatchedTokens, bool enforceEager = false)
    {
        MaxCaptureSize = enforceEager ? 0 : (int)Math.Min(Math.Min(2L * maxNumSeqs, 512), maxNumBatchedTokens);
        var sizes = new List<int>();
        foreach (int s in new[] { 1, 2, 4 }) if (s <= MaxCaptureSize) sizes.Add(s);
        for (int s = 8; s < 256 && s <= MaxCaptureSize; s += 8) sizes.Add(s);
        for (int s = 256; s <= MaxCaptureSize; s += 16) sizes.Add(s);
        if (sizes.Count > 0 && sizes[^1] != MaxCaptureSize) sizes.Add(MaxCaptureSize);
        CaptureSizes = sizes;
        _padded = new int[MaxCaptureSize + 1];
        int k = 0;
        for (int t = 1; t <= MaxCaptureSize; t++)
        {
            while (sizes[k] < t) k++;
            _padded[t] = sizes[k];
        }
    }

    public static CudaGraphPadding For(ReplicaSpec spec) => new(spec.MaxNumSeqs, spec.MaxNumBatchedTokens, spec.EnforceEager);

    public int MaxCaptureSize { get; }
    public IReadOnlyList<int> CaptureSizes { get; }

    /// <summary>The token count the GPU runs through the graphed layers for a step of <paramref name="tokens"/>.</summary>
    public int Pad(int tokens) => tokens >= 1 && tokens <= MaxCaptureSize ? _padded[tokens] : tokens;
}
