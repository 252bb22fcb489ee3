using System.Diagnostics;
using System.Text.Json;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// KV events read by a subscriber in Python with pyzmq and msgpack (kv_events_subscriber.py), as vLLM's own consumers
/// read them, from replica 1 of an emulator (so on the configured ports + 1), replay included.
/// </summary>
public class KvEventsPythonTests
{
    [SkippableFact]
    public async Task PythonSubscriber_SeesContiguousChainedBatches_AndReplaysThem()
    {
        Skip.If(PythonWith.Zmq.Path is null, PythonWith.Zmq.Missing);
        await using var s = await KvEventsScenario.Start(replicaIndex: 1);
        string script = Path.Combine(AppContext.BaseDirectory, "kv_events_subscriber.py");
        using var py = Process.Start(new ProcessStartInfo(PythonWith.Zmq.Path!,
            $"\"{script}\" --pub tcp://127.0.0.1:{s.PubPort} --replay tcp://127.0.0.1:{s.ReplayPort} --topic {KvEventsScenario.Topic}")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var stderr = py.StandardError.ReadToEndAsync();
        try
        {
            var ready = await py.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (ready != "ready") Assert.Fail($"subscriber did not start: {ready} {await stderr}");
            await s.RunScript();
            await py.StandardInput.WriteLineAsync("done");
            await py.StandardInput.FlushAsync();
            var line = await py.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null) Assert.Fail($"subscriber printed nothing: {await stderr}");
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;

            Assert.Empty(r.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
            var seqs = r.GetProperty("seqs").EnumerateArray().Select(e => e.GetInt64()).ToList();
            Assert.NotEmpty(seqs);
            Assert.True(r.GetProperty("contiguous").GetBoolean(), $"sequence numbers not contiguous from 0: {string.Join(",", seqs)}");
            Assert.Equal([1], r.GetProperty("ranks").EnumerateArray().Select(e => e.GetInt32()));
            var counts = r.GetProperty("counts");
            Assert.True(counts.GetProperty("BlockStored").GetInt32() > 0);
            Assert.True(counts.GetProperty("BlockRemoved").GetInt32() > 0);
            Assert.Equal(1, counts.GetProperty("AllBlocksCleared").GetInt32());
            // Hash chains the subscriber rebuilt end in the simulated cache's hashes.
            Assert.Equal(s.CachedHashes().Order(), r.GetProperty("cache").EnumerateArray().Select(e => e.GetUInt64()).Order());
            // Prompt A's first block starts a chain (twice: before and after the reset).
            var first = KvEventsScenario.PromptA[..KvEventsScenario.BlockSize];
            Assert.Equal(2, r.GetProperty("first_blocks").EnumerateArray().Count(b => b.EnumerateArray().Select(t => t.GetInt32()).SequenceEqual(first)));
            // Replay: every batch from the requested seq on, byte for byte as published.
            long start = r.GetProperty("replay_start").GetInt64();
            Assert.Equal(seqs.Where(q => q >= start), r.GetProperty("replay_seqs").EnumerateArray().Select(e => e.GetInt64()));
            Assert.True(r.GetProperty("replay_matches").GetBoolean());
        }
        finally
        {
            if (!py.HasExited) py.Kill();
        }
    }
}
