using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using TokenSim.Core.Entities;
using TokenSim.Core.Memory;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// An in-process emulator with a small prefix cache (47 blocks of 16 tokens) and KV events on, and a scripted set of
/// requests sent one after another: a prompt, one sharing its first 4 blocks, two large ones that evict cached
/// blocks, a prefix-cache reset, and the first prompt again.
/// </summary>
internal sealed class KvEventsScenario : IAsyncDisposable
{
    public const int BlockSize = 16;
    public const string Topic = "kv-events";
    public static readonly int[] PromptA = Ids(100, 1);
    public static readonly int[] PromptB = [.. PromptA[..64], .. Ids(50, 5000)];
    public static readonly int[] PromptC = Ids(400, 10_000);
    public static readonly int[] PromptD = Ids(300, 20_000);

    public required WebApplication App { get; init; }
    public required RealTimeEngine Engine { get; init; }
    public required int HttpPort { get; init; }
    /// <summary>Where this replica's PUB and ROUTER sockets listen (the configured ports + the replica index).</summary>
    public required int PubPort { get; init; }
    public required int ReplayPort { get; init; }

    private static int[] Ids(int n, int from) => Enumerable.Range(from, n).ToArray();

    public static async Task<KvEventsScenario> Start(int replicaIndex = 0, KvEventFormat format = KvEventFormat.Array)
    {
        int http = FreePort(), pub = FreePort(), replay = FreePort();
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-8b"), HardwareCatalog.Resolve("a100-80g"),
            new EngineConfig { KvBlocks = 48, BlockSize = BlockSize, MaxModelLen = 512, EnablePrefixCaching = true });
        var config = new KvEventsConfig
        {
            Endpoint = $"tcp://*:{pub - replicaIndex}", ReplayEndpoint = $"tcp://*:{replay - replicaIndex}", Topic = Topic, Format = format,
        };
        var (app, engine) = EmulatorServer.Build(new EmulatorOptions
        {
            Spec = spec, ModelName = "m", Port = http, Speed = 10, ReplicaIndex = replicaIndex, ReplicaName = $"replica-{replicaIndex}", KvEvents = config,
        });
        await app.StartAsync();
        return new KvEventsScenario { App = app, Engine = engine, HttpPort = http, PubPort = pub, ReplayPort = replay };
    }

    /// <summary>Sends the script, each request after the previous one has finished.</summary>
    public async Task RunScript()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}") };
        foreach (var (prompt, max) in new[] { (PromptA, 20), (PromptB, 10), (PromptC, 30), (PromptD, 30) })
            await Complete(http, prompt, max);
        var reset = await http.PostAsync("/reset_prefix_cache", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        await Complete(http, PromptA, 5);
    }

    private static async Task Complete(HttpClient http, int[] prompt, int maxTokens)
    {
        var response = await http.PostAsJsonAsync("/v1/completions", new { model = "m", prompt_token_ids = prompt, max_tokens = maxTokens });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The hashes the simulated cache holds now, as published (unsigned).</summary>
    public HashSet<ulong> CachedHashes() =>
        Engine.Read(sim => ((PrefixCachingKvCacheManager)sim.Replicas[0].Kv).CachedHashes.Select(h => (ulong)h).ToHashSet());

    /// <summary>The simulator's hash of each full block of <paramref name="prompt"/>, taken from a scratch cache.</summary>
    public static ulong[] PromptBlockHashes(int[] prompt)
    {
        var hashes = new List<ulong>();
        var kv = new PrefixCachingKvCacheManager(64, BlockSize) { Listener = new HashRecorder(hashes) };
        Assert.True(kv.TryAllocate(new Request(1, 0, prompt.Length, 1) { TokenIds = prompt }, prompt.Length));
        return [.. hashes];
    }

    private sealed class HashRecorder(List<ulong> into) : IKvEventListener
    {
        public void OnBlocksStored(ReadOnlySpan<long> blockHashes, long parentHash, ReadOnlySpan<int> tokenIds, int blockSize)
        {
            foreach (long h in blockHashes) into.Add((ulong)h);
        }
        public void OnBlockRemoved(long blockHash) { }
        public void OnAllBlocksCleared() { }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        Engine.Dispose();
        await App.DisposeAsync();
    }
}
