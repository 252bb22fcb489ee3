using System.Text.Json;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Metrics;

/// <summary>
/// Streams a Chrome/Perfetto trace (the JSON "Trace Event Format"), openable in ui.perfetto.dev or
/// chrome://tracing. Each replica is a process. Its steps are complete ("X") events on the "steps" track, with
/// their batch shape as arguments. Each request is an async span from arrival to finish, with instants at first
/// admission, first token and each preemption. Timestamps are simulated microseconds.
/// </summary>
public sealed class ChromeTraceWriter : ISimulationObserver, IDisposable
{
    private readonly Utf8JsonWriter _w;
    private readonly Stream _stream;

    public ChromeTraceWriter(string path)
    {
        _stream = File.Create(path);
        _w = new Utf8JsonWriter(_stream);
        _w.WriteStartObject();
        _w.WriteString("displayTimeUnit", "ms");
        _w.WriteStartArray("traceEvents");
    }

    private void Begin(string ph, string name, double seconds, int pid, int tid = 0)
    {
        _w.WriteStartObject();
        _w.WriteString("ph", ph);
        _w.WriteString("name", name);
        _w.WriteNumber("ts", Math.Round(seconds * 1e6, 3));
        _w.WriteNumber("pid", pid);
        _w.WriteNumber("tid", tid);
    }

    private void RequestEvent(string ph, string name, Request r, double now)
    {
        Begin(ph, name, now, Math.Max(0, r.Replica), 1);
        _w.WriteString("cat", "request");
        _w.WriteString("id", r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (ph == "b")
        {
            _w.WriteStartObject("args");
            _w.WriteNumber("prompt_tokens", r.PromptTokens);
            _w.WriteNumber("output_tokens", r.OutputTokens);
            _w.WriteEndObject();
        }
        _w.WriteEndObject();
    }

    public void OnArrived(Request r, double now) => RequestEvent("b", $"request {r.Id}", r, now);
    public void OnScheduled(Request r, double now) => RequestEvent("n", "scheduled", r, now);
    public void OnPreempted(Request r, double now) => RequestEvent("n", "preempted", r, now);

    public void OnToken(Request r, double now)
    {
        if (r.Generated == 1) RequestEvent("n", "first token", r, now);
    }

    public void OnFinished(Request r, double now) => RequestEvent("e", $"request {r.Id}", r, now);

    public void OnStep(int replica, in BatchShape s, double start, double seconds)
    {
        Begin("X", s.PrefillTokens > 0 ? "step (prefill)" : "step (decode)", start, replica);
        _w.WriteNumber("dur", Math.Round(seconds * 1e6, 3));
        _w.WriteStartObject("args");
        _w.WriteNumber("tokens", s.Tokens);
        _w.WriteNumber("sequences", s.Sequences);
        _w.WriteNumber("decodes", s.DecodeCount);
        _w.WriteNumber("prefill_tokens", s.PrefillTokens);
        _w.WriteEndObject();
        _w.WriteEndObject();
        if (_w.BytesPending > 1 << 16) _w.Flush();
    }

    public void Dispose()
    {
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.Dispose();
        _stream.Dispose();
    }
}
