namespace TokenSim.Core.ExecutionTime;

/// <summary>The attention backend vLLM 0.19 picks for a standard (non-MLA) decoder (<see cref="VllmAttentionBackend"/>).</summary>
public enum AttentionBackend
{
    /// <summary>vLLM's FlashAttention (FA2 on compute capability 8.x and 12.x, FA3 on 9.x): metadata built on the host, no read-back.</summary>
    FlashAttention,
    /// <summary>FlashInfer: its metadata builder copies <c>seq_lens</c> from the GPU on some builds (vllm-project/vllm#57352).</summary>
    FlashInfer,
    /// <summary>Triton attention, picked below compute capability 7.5; its builder is not modelled.</summary>
    Triton,
    /// <summary>Not a CUDA GPU (no compute capability in the catalog): vLLM's CUDA backend choice does not apply.</summary>
    NotCuda,
}
