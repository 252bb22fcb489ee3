using System.Buffers.Binary;
using System.Text;
using MessagePack;
using NetMQ;
using NetMQ.Sockets;

namespace TokenSim.Emulator.Tests;

/// <summary>KV events received with NetMQ and decoded with MessagePack, checked block by block against the simulated cache.</summary>
public class KvEventsNetMqTests
{
    private sealed record Stored(ulong[] Hashes, ulong? Parent, int[] Tokens, int BlockSize);

    [Theory]
    [InlineData(KvEventFormat.Array)]
    [InlineData(KvEventFormat.Map)]
    public async Task ScriptedRequests_PublishTheCachesChanges_BlockByBlock(KvEventFormat format)
    {
        await using var s = await KvEventsScenario.Start(format: format);
        using var sub = new SubscriberSocket();
        sub.Connect($"tcp://127.0.0.1:{s.PubPort}");
        sub.Subscribe(KvEventsScenario.Topic);
        await Task.Delay(500); // the subscription reaches the publisher asynchronously

        await s.RunScript();
        var batches = new List<(long Seq, byte[] Payload)>();
        var msg = new NetMQMessage();
        while (sub.TryReceiveMultipartMessage(TimeSpan.FromSeconds(1.5), ref msg))
        {
            Assert.Equal(3, msg.FrameCount);
            Assert.Equal(KvEventsScenario.Topic, Encoding.UTF8.GetString(msg[0].ToByteArray()));
            batches.Add((BinaryPrimitives.ReadInt64BigEndian(msg[1].ToByteArray()), msg[2].ToByteArray()));
        }

        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (long)i), batches.Select(b => b.Seq));
        var cache = new HashSet<ulong>();
        var stored = new List<Stored>();
        int removed = 0, cleared = 0;
        double now = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        foreach (var (seq, payload) in batches)
        {
            var r = new MessagePackReader(payload);
            Assert.Equal(3, r.ReadArrayHeader());
            Assert.InRange(r.ReadDouble(), now - 60, now + 1);
            int n = r.ReadArrayHeader();
            Assert.True(n > 0, $"batch {seq} is empty");
            for (int i = 0; i < n; i++)
            {
                var (tag, fields) = ReadEvent(ref r, format);
                switch (tag)
                {
                    case "BlockStored":
                        var e = new Stored((ulong[])fields["block_hashes"]!, (ulong?)fields["parent_block_hash"], (int[])fields["token_ids"]!, (int)fields["block_size"]!);
                        Assert.Equal("GPU", fields["medium"]);
                        Assert.Equal(e.Hashes.Length * e.BlockSize, e.Tokens.Length);
                        Assert.True(e.Parent is null || cache.Contains(e.Parent.Value), $"batch {seq}: parent not cached");
                        foreach (var h in e.Hashes) Assert.True(cache.Add(h), $"batch {seq}: {h} stored twice");
                        stored.Add(e);
                        break;
                    case "BlockRemoved":
                        foreach (var h in (ulong[])fields["block_hashes"]!) Assert.True(cache.Remove(h), $"batch {seq}: removed {h}, not cached");
                        removed++;
                        break;
                    case "AllBlocksCleared":
                        cache.Clear();
                        cleared++;
                        break;
                    default: throw new Xunit.Sdk.XunitException($"unknown event {tag}");
                }
            }
            Assert.Equal(0, r.ReadInt32()); // data_parallel_rank
            Assert.True(r.End);
        }

        // The subscriber's view is the simulated cache, hash for hash.
        Assert.Equal(s.CachedHashes().Order(), cache.Order());
        Assert.True(removed > 0, "the large requests should have evicted cached blocks");
        Assert.Equal(1, cleared);
        // Block by block: each prompt's full blocks were stored under the simulator's hashes, with the prompt's
        // tokens, each chained to the one before.
        foreach (var prompt in new[] { KvEventsScenario.PromptA, KvEventsScenario.PromptB, KvEventsScenario.PromptC, KvEventsScenario.PromptD })
        {
            var expected = KvEventsScenario.PromptBlockHashes(prompt);
            Assert.Equal(prompt.Length / KvEventsScenario.BlockSize, expected.Length);
            for (int b = 0; b < expected.Length; b++)
            {
                var (e, at) = stored.SelectMany(x => x.Hashes.Select((h, i) => (x, i)).Where(p => p.Item1.Hashes[p.i] == expected[b])).First();
                Assert.Equal(prompt.AsSpan(b * 16, 16).ToArray(), e.Tokens.AsSpan(at * 16, 16).ToArray());
                ulong? parent = at > 0 ? e.Hashes[at - 1] : e.Parent;
                Assert.Equal(b == 0 ? null : expected[b - 1], parent);
            }
        }
        // After the reset, prompt A was stored again from its chain's start.
        Assert.Equal(KvEventsScenario.PromptBlockHashes(KvEventsScenario.PromptA)[0], stored[^1].Hashes[0]);
        Assert.Null(stored[^1].Parent);
    }

    /// <summary>An event as its tag and fields, from either layout.</summary>
    private static (string Tag, Dictionary<string, object?> Fields) ReadEvent(ref MessagePackReader r, KvEventFormat format)
    {
        var fields = new Dictionary<string, object?>();
        if (format == KvEventFormat.Map)
        {
            int n = r.ReadMapHeader();
            for (int i = 0; i < n; i++)
            {
                string key = r.ReadString()!;
                fields[key] = ReadField(ref r, key);
            }
            return ((string)fields["type"]!, fields);
        }
        int count = r.ReadArrayHeader();
        string tag = r.ReadString()!;
        string[] names = tag switch
        {
            "BlockStored" => ["block_hashes", "parent_block_hash", "token_ids", "block_size", "lora_id", "medium", "lora_name", "extra_keys"],
            "BlockRemoved" => ["block_hashes", "medium"],
            _ => [],
        };
        Assert.Equal(names.Length + 1, count);
        foreach (var name in names) fields[name] = ReadField(ref r, name);
        return (tag, fields);
    }

    private static object? ReadField(ref MessagePackReader r, string name)
    {
        if (r.TryReadNil()) return null;
        switch (name)
        {
            case "block_hashes":
                var hashes = new ulong[r.ReadArrayHeader()];
                for (int i = 0; i < hashes.Length; i++) hashes[i] = r.ReadUInt64();
                return hashes;
            case "parent_block_hash": return r.ReadUInt64();
            case "token_ids":
                var ids = new int[r.ReadArrayHeader()];
                for (int i = 0; i < ids.Length; i++) ids[i] = r.ReadInt32();
                return ids;
            case "block_size" or "group_idx": return r.ReadInt32();
            case "extra_keys":
                int n = r.ReadArrayHeader();
                for (int i = 0; i < n; i++) Assert.True(r.TryReadNil());
                return n;
            default: return r.ReadString();
        }
    }
}
