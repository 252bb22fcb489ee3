using System.Security.Cryptography;
using System.Text;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The ids of the last <see cref="Capacity"/> applied events, to acknowledge a repeat as a duplicate without applying
/// it twice. Bounded so a long-lived replica's memory stays flat; a repeat older than the window is no longer caught.
/// </summary>
/// <remarks>
/// Each id is held as the first 128 bits of its SHA-256, a value in arrays that grow to the capacity and are then
/// reused, never as the id's string: a window of a million strings kept every event's id alive into the oldest
/// generation, which the GC then had to trace and collect (docs/operations.md, "the acknowledgement tail"). Two ids
/// are taken for one only if their 128-bit digests collide: about 1.5e-27 for a full window of 10^6 ids, and SHA-256
/// gives a client no way to make such a pair on purpose short of 2^64 work.
/// </remarks>
public sealed class SeenEventWindow(int capacity)
{
    private readonly HashSet<UInt128> _ids = [];
    /// <summary>The held digests, oldest first, as a ring from <see cref="_head"/>; grown by doubling up to the capacity.</summary>
    private UInt128[] _order = new UInt128[Math.Min(capacity, 1024)];
    private int _head;

    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "The seen-event window must hold at least 1 id.");
    public int Count => _ids.Count;

    public bool Contains(string id) => Contains(KeyOf(id));

    public void Add(string id) => Add(KeyOf(id));

    /// <summary>Whether the id whose <see cref="KeyOf"/> is <paramref name="key"/> is held: a replica checks an event
    /// and then adds it with one digest, not two (two were 5% of the server's CPU under bench/ingest).</summary>
    public bool Contains(UInt128 key) => _ids.Contains(key);

    public void Add(UInt128 key)
    {
        if (_ids.Contains(key)) return;
        if (_ids.Count == Capacity)
        {
            // Full: the newest takes the oldest's slot (removed first, so the set never outgrows the capacity).
            _ids.Remove(_order[_head]);
            _order[_head] = key;
            _head = (_head + 1) % _order.Length;
        }
        else
        {
            if (_ids.Count == _order.Length) Grow();
            _order[(_head + _ids.Count) % _order.Length] = key;
        }
        _ids.Add(key);
    }

    private void Grow()
    {
        var bigger = new UInt128[(int)Math.Min((long)_order.Length * 2, Capacity)];
        for (int i = 0; i < _ids.Count; i++) bigger[i] = _order[(_head + i) % _order.Length];
        _order = bigger;
        _head = 0;
    }

    /// <summary>The id's key: the first 128 bits of the SHA-256 of its UTF-8 bytes (an event id is at most
    /// <see cref="Abstractions.TwinEventRules.MaxEventIdLength"/> characters; a longer one is hashed all the same).</summary>
    public static UInt128 KeyOf(string id)
    {
        int max = Encoding.UTF8.GetMaxByteCount(id.Length);
        Span<byte> bytes = max <= 512 ? stackalloc byte[512] : new byte[max];
        int n = Encoding.UTF8.GetBytes(id, bytes);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[..n], hash);
        return new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
    }
}
