using System.Diagnostics;
using TokenSim.Emulator.Tests;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Kv;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The KV-event source against batches published by Python's pyzmq and msgpack in vLLM 0.19's layout
/// (kv_events_publisher.py): a gap filled from the replay socket, a gap it cannot fill, a duplicate, a malformed
/// payload and message, later vLLM's extra trailing fields, a CPU-tier event and a restart. The expected mirror is
/// worked out by hand from the script's scenario.
/// </summary>
public class KvEventsSourceTests
{
    private const ulong H1 = 0xF000000000000001, H2 = 0xF000000000000002, H3 = 0xF000000000000003;
    private static readonly int[] P = [.. Enumerable.Range(1, 12)], Q = [.. Enumerable.Range(50, 8)], R = [.. Enumerable.Range(90, 4)];

    [SkippableFact]
    public async Task PythonPublisher_GapsDuplicatesMalformedAndRestart_AreAllAccounted()
    {
        Skip.If(PythonWith.Zmq.Path is null, PythonWith.Zmq.Missing);
        int pubPort = ServerProcess.FreePort(), replayPort = ServerProcess.FreePort();
        var mirror = new KvCacheMirror();
        var log = new List<string>();
        await using var sub = new KvEventSubscriber(
            new KvSourceOptions($"tcp://127.0.0.1:{pubPort}", Bind: true, ReplayEndpoint: $"tcp://127.0.0.1:{replayPort}", Topic: "kv-events"),
            batches => { lock (mirror) foreach (var b in batches) mirror.Apply(b); return Task.CompletedTask; },
            line => { lock (log) log.Add(line); });
        await sub.Started;
        string script = Path.Combine(AppContext.BaseDirectory, "kv_events_publisher.py");
        using var py = Process.Start(new ProcessStartInfo(PythonWith.Zmq.Path!, $"\"{script}\" --pub tcp://127.0.0.1:{pubPort} --replay tcp://127.0.0.1:{replayPort}")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var stderr = py.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal("ready", await py.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            var s = sub.Stats;
            await Until(() => s.SequenceNumbers == 9 && s.Rejected == 2 && s.Delivered == s.Applied + s.Replayed, stderr);

            // Seqs 0, 1, 2, 5, 7, 8 live; 3 replayed; 4 lost; 5 again a duplicate; 6 malformed msgpack.
            Assert.Equal(6, s.Applied);
            Assert.Equal(1, s.Replayed);
            Assert.Equal(1, s.LostByReason[KvEventSequencer.LostGap]);
            Assert.Equal(1, s.Duplicate);
            Assert.Equal(1, s.RejectedByReason[KvRejectReason.Msgpack]);
            Assert.Equal(1, s.RejectedByReason[KvRejectReason.Frames]);
            Assert.Equal(0, s.Unaccounted);
            lock (mirror)
            {
                // H1 was stored twice and removed once (the duplicate removal ignored): still held, one reference.
                Assert.Equal(1, mirror.RefCount(H1));
                Assert.True(mirror.Contains(H2) && mirror.Contains(H3) && mirror.Contains(4) && mirror.Contains(6));
                Assert.False(mirror.Contains(5));   // lost with seq 4
                Assert.False(mirror.Contains(7));   // CPU tier
                Assert.Equal(5, mirror.Blocks);
                Assert.Equal(3, mirror.CachedLeadingBlocks(P, 4));
                Assert.Equal(1, mirror.CachedLeadingBlocks(Q, 4));   // Q's second block was in the lost batch
                Assert.Equal(1, mirror.CachedLeadingBlocks([1, 2, 3, 4, 9, 9, 9, 9], 4));
                Assert.Equal(0, mirror.CachedLeadingBlocks(P, 4, asOfUnixSeconds: 1e9)); // stored after that time
                Assert.Equal(1, mirror.EventsIgnored);
            }

            await py.StandardInput.WriteLineAsync("restart");
            await py.StandardInput.FlushAsync();
            Assert.Equal("restarted", await py.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            await Until(() => s.SequenceNumbers == 10 && s.Delivered == s.Applied + s.Replayed, stderr);
            Assert.Equal(1, s.Restarts);
            Assert.Equal(0, s.Unaccounted);
            lock (mirror)
            {
                Assert.Equal([8UL], mirror.Hashes);
                Assert.Equal(1, mirror.CachedLeadingBlocks(R, 4));
                Assert.Equal(0, mirror.CachedLeadingBlocks(P, 4));
            }
            lock (log) Assert.Contains(log, l => l.Contains("restarted"));
        }
        finally
        {
            if (!py.HasExited) { py.StandardInput.WriteLine("quit"); if (!py.WaitForExit(3000)) py.Kill(); }
        }
    }

    private static async Task Until(Func<bool> done, Task<string> stderr)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out; publisher stderr: {(stderr.IsCompleted ? await stderr : "")}");
            await Task.Delay(50);
        }
    }
}
