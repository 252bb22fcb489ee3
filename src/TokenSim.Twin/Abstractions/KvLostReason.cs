namespace TokenSim.Twin.Abstractions;

/// <summary>Why KV-event sequence numbers were lost: a fixed set, so it can label a metric.</summary>
public static class KvLostReason
{
    /// <summary>A gap in the sequence that the replay socket could not fill.</summary>
    public const string Gap = "gap";
    /// <summary>Published before the first batch the subscriber saw, and not replayed.</summary>
    public const string BeforeStart = "before_start";

    public static readonly string[] All = [Gap, BeforeStart];
}
