using System.Net.Http.Json;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator.Tests;

/// <summary>The emulator's tokens are the simulation's: the same requests, replayed offline, give the same times.</summary>
public class FidelityTests
{
    private sealed class Timeline : ISimulationObserver
    {
        public readonly Dictionary<long, (RequestSpec Spec, List<double> Tokens)> Requests = [];

        public void OnArrived(Request r, double now)
        {
            lock (Requests) Requests[r.Id] = (new RequestSpec(r.ArrivalTime, r.PromptTokens, r.OutputTokens, TokenIds: r.TokenIds), []);
        }

        public void OnToken(Request r, double now)
        {
            lock (Requests) Requests[r.Id].Tokens.Add(now);
        }
    }

    [Fact]
    public async Task TokenTimes_EqualAnOfflineSimulationOfTheSameArrivals()
    {
        var timeline = new Timeline();
        await using var h = await EmulatorHarness.StartWithAsync(speed: 20, observers: timeline);
        var rnd = new Random(7);
        // Staggered arrivals with shared and distinct prefixes, so batching, chunking and cache hits all play a part.
        var tasks = new List<Task>();
        for (int i = 0; i < 12; i++)
        {
            string prompt = (i % 3 == 0 ? new string('s', 800) : "") + new string((char)('a' + i), 200 + rnd.Next(2000));
            tasks.Add(h.Client.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = 5 + rnd.Next(40), stream = i % 2 == 0 }));
            await Task.Delay(rnd.Next(0, 30));
        }
        foreach (var res in await Task.WhenAll(tasks.Cast<Task<HttpResponseMessage>>())) await res.Content.ReadAsStringAsync();

        var offline = new Simulator(new SimulationOptions { Replica = h.Engine.Spec, Seed = 42, ExecutionTime = ExecutionTimeModels.Parse("roofline") });
        var recorded = timeline.Requests.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        var replayed = recorded.Select(r => offline.Submit(r.Spec)).ToList();
        var expected = new Timeline();
        offline.Observer = expected;
        offline.Run();
        Assert.Equal(12, recorded.Count);
        Assert.All(recorded, r => Assert.Equal(r.Spec.OutputTokens, r.Tokens.Count));
        Assert.Contains(recorded, r => r.Spec.ArrivalTime > 0.1); // the arrivals really were spread in time
        for (int i = 0; i < recorded.Count; i++)
            Assert.Equal(expected.Requests[replayed[i].Id].Tokens, recorded[i].Tokens);
    }
}
