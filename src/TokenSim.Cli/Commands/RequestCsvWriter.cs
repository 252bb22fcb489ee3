using System.Globalization;
using TokenSim.Core.Simulation;

namespace TokenSim.Cli.Commands;

/// <summary>Streams one CSV row per finished or rejected request, so memory does not grow with the run.</summary>
internal sealed class RequestCsvWriter : ISimulationObserver, IDisposable
{
    private readonly StreamWriter _w;

    public RequestCsvWriter(string path)
    {
        _w = new StreamWriter(path);
        _w.WriteLine("request_id,status,replica,arrival_s,prompt_tokens,output_tokens,queue_s,ttft_s,tpot_s,e2e_s,preemptions");
    }

    public void OnFinished(Request r, double now) =>
        _w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Id},finished,{r.Replica},{r.ArrivalTime:R},{r.PromptTokens},{r.Generated},{r.QueueSeconds:R},{r.TtftSeconds:R},{r.TpotSeconds:R},{r.E2eSeconds:R},{r.Preemptions}"));

    public void OnRejected(Request r, double now, string reason) =>
        _w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Id},rejected,,{r.ArrivalTime:R},{r.PromptTokens},{r.OutputTokens},,,,,0"));

    public void Dispose() => _w.Dispose();
}
