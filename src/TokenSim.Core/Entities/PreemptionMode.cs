namespace TokenSim.Core.Entities;

/// <summary>What preemption does with the victim's KV cache.</summary>
public enum PreemptionMode
{
    /// <summary>Drop it; the request prefills prompt and generated tokens again (vLLM V1).</summary>
    Recompute,
    /// <summary>Copy it to the swap target at once and back when the request resumes (vLLM V0's swap).</summary>
    Swap,
    /// <summary>Leave it on the GPU; copy it out only when its blocks are needed, so a quick resume costs nothing (TokenSim's lazy swap).</summary>
    SwapLazy,
}
