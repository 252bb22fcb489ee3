namespace TokenSim.Core.Memory;

/// <summary>Which free cached block the prefix cache gives up first.</summary>
public enum PrefixEviction
{
    /// <summary>Least recently freed, a request's deepest blocks first (vLLM's free queue).</summary>
    Lru,
    /// <summary>The block cached earliest, however often it was hit since.</summary>
    Fifo,
    /// <summary>The block hit least often, then the least recently freed.</summary>
    Lfu,
}
