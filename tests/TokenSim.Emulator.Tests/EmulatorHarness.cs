using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator.Tests;

/// <summary>One in-process emulated replica on a free loopback port, fast enough for tests, with its simulated requests recorded.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    public const string Model = "test-model";
    public const int MaxModelLen = 64;

    private readonly WebApplication _app;

    private EmulatorHarness(WebApplication app, RealTimeEngine engine, RequestRecorder recorder)
    {
        _app = app;
        Engine = engine;
        Recorder = recorder;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(60) };
    }

    public RealTimeEngine Engine { get; }
    public RequestRecorder Recorder { get; }
    public HttpClient Client { get; }

    /// <summary>A replica with its options adjusted by <paramref name="configure"/> and a context of <paramref name="maxModelLen"/> tokens.</summary>
    public static async Task<EmulatorHarness> StartWithAsync(Func<EmulatorOptions, EmulatorOptions>? configure = null, int maxModelLen = 4096, double speed = 50, EngineConfig? engine = null, params ISimulationObserver[] observers)
    {
        var cfg = (engine ?? new EngineConfig()) with { MaxModelLen = maxModelLen };
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-3.1-8b"), HardwareCatalog.Resolve("a100-80g"), cfg);
        var recorder = new RequestRecorder();
        var o = new EmulatorOptions { Spec = spec, ModelName = Model, Port = 0, Speed = speed };
        var (app, eng) = EmulatorServer.Build(configure is null ? o : configure(o), [recorder, .. observers]);
        await app.StartAsync();
        return new EmulatorHarness(app, eng, recorder);
    }

    public static Task<EmulatorHarness> StartAsync(string replicaName, ISimulationObserver spans, double speed = 100) =>
        StartWithAsync(o => o with { ReplicaName = replicaName }, MaxModelLen, speed, observers: spans);

    /// <summary>Posts a request and reads the whole answer (SSE or JSON); returns the response id and usage.</summary>
    public async Task<(string Id, int PromptTokens, int CompletionTokens)> PostAsync(string path, object body, params (string Name, string Value)[] headers)
    {
        using var msg = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        foreach (var (n, v) in headers) msg.Headers.Add(n, v);
        using var res = await Client.SendAsync(msg);
        string text = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, text);
        var json = text.StartsWith("data: ", StringComparison.Ordinal)
            ? text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l["data: ".Length..]).Where(l => l != "[DONE]").Last()
            : text;
        using var doc = JsonDocument.Parse(json);
        var usage = doc.RootElement.GetProperty("usage");
        return (doc.RootElement.GetProperty("id").GetString()!, usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }

    /// <summary>The wall-clock time at which simulated time <paramref name="simTime"/> falls, as spans must carry it.</summary>
    public DateTime WallClock(double simTime) => (Engine.StartedAt + TimeSpan.FromSeconds(Engine.WallAt(simTime))).UtcDateTime;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Engine.Dispose();
    }
}

/// <summary>Keeps each simulated request by the external id its client request carried, for exact comparisons with spans.</summary>
internal sealed class RequestRecorder : IRealTimeObserver
{
    private readonly Dictionary<string, Request> _byId = [];
    private RealTimeEngine? _engine;

    public void Attach(RealTimeEngine engine) => _engine = engine;

    public void OnArrived(Request r, double now)
    {
        lock (_byId) _byId[_engine!.StreamOf(r.Id)!.Params!.ExternalId] = r;
    }

    /// <summary>The finished request; read only after its span exists (the span is made after the request finished).</summary>
    public Request this[string externalId]
    {
        get { lock (_byId) return _byId[externalId]; }
    }
}

/// <summary>A collection the engine thread can add to while a test reads it.</summary>
internal sealed class LockedList<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count { get { lock (_items) return _items.Count; } }
    public bool IsReadOnly => false;
    public void Add(T item) { lock (_items) _items.Add(item); }
    public void Clear() { lock (_items) _items.Clear(); }
    public bool Contains(T item) { lock (_items) return _items.Contains(item); }
    public void CopyTo(T[] array, int arrayIndex) { lock (_items) _items.CopyTo(array, arrayIndex); }
    public bool Remove(T item) { lock (_items) return _items.Remove(item); }
    public IEnumerator<T> GetEnumerator() { lock (_items) return _items.ToList().GetEnumerator(); }
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Waits until at least <paramref name="count"/> items are in, then returns a copy.</summary>
    public async Task<List<T>> WaitForAsync(int count, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (Count < count && DateTime.UtcNow < deadline) await Task.Delay(10);
        lock (_items) return [.. _items];
    }
}
