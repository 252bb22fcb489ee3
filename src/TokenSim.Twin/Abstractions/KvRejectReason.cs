namespace TokenSim.Twin.Abstractions;

/// <summary>Why a batch was rejected: a fixed set, so it can label a metric.</summary>
public static class KvRejectReason
{
    /// <summary>The ZMQ message is not three frames (topic, sequence, payload).</summary>
    public const string Frames = "frames";
    /// <summary>The sequence frame is not 8 bytes.</summary>
    public const string Sequence = "sequence";
    /// <summary>The payload is not well-formed msgpack (truncated, bad type code).</summary>
    public const string Msgpack = "msgpack";
    /// <summary>Well-formed msgpack, but not a <c>KVEventBatch</c> ([ts, events, rank]).</summary>
    public const string Layout = "layout";
    /// <summary>An event of an unknown type or with fields of the wrong type.</summary>
    public const string Event = "event";

    public static readonly string[] All = [Frames, Sequence, Msgpack, Layout, Event];
}
