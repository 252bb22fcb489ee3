using System.Threading.Channels;

namespace TokenSim.Emulator;

/// <summary>
/// One request's tokens as the real-time engine releases them, each with the simulated time it is due: read from
/// <see cref="Tokens"/> (whole answers), or pushed to an attached <see cref="SseSink"/> (streams).
/// </summary>
public sealed class RequestStream(long id, int promptTokens, int maxTokens)
{
    private readonly Channel<ReleasedToken> _tokens = Channel.CreateUnbounded<ReleasedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public long Id { get; } = id;
    public int PromptTokens { get; } = promptTokens;
    public int MaxTokens { get; } = maxTokens;
    /// <summary>Simulated time the request entered the engine.</summary>
    public double ArrivalTime { get; init; }
    public ChannelReader<ReleasedToken> Tokens => _tokens.Reader;
    /// <summary><c>length</c> when it stopped at max_tokens, <c>stop</c> when its length model ended it first; set at finish.</summary>
    public string? FinishReason { get; internal set; }
    /// <summary>Simulated time of its latest token (the simulator has moved on by the time observers see it).</summary>
    internal double LastTokenTime { get; set; } = double.NaN;
    /// <summary>The client's request id and sampling parameters, for observers that report them (spans).</summary>
    public RequestParams? Params { get; init; }

    private readonly object _gate = new();
    private SseSink? _sink;

    /// <summary>
    /// From now on tokens go straight to <paramref name="sink"/> as they are released; those released before are
    /// handed over first, in order.
    /// </summary>
    internal void Attach(SseSink sink)
    {
        lock (_gate)
        {
            while (_tokens.Reader.TryRead(out var t)) sink.Release(t);
            if (_tokens.Reader.Completion.IsFaulted) sink.Fail(_tokens.Reader.Completion.Exception!.InnerException!);
            _sink = sink;
        }
    }

    internal void Token(double simTime, string? finishReason)
    {
        lock (_gate)
        {
            if (finishReason is not null) FinishReason = finishReason;
            var t = new ReleasedToken(simTime, finishReason);
            if (_sink is not null) _sink.Release(t);
            else
            {
                _tokens.Writer.TryWrite(t);
                if (finishReason is not null) _tokens.Writer.TryComplete();
            }
        }
    }

    internal void Fail(string reason)
    {
        lock (_gate)
        {
            var e = new InvalidOperationException(reason);
            if (_sink is not null) _sink.Fail(e);
            else _tokens.Writer.TryComplete(e);
        }
    }
}

/// <summary>A token as it leaves the engine: the simulated time it is due, and the finish reason if it is the last.</summary>
public readonly record struct ReleasedToken(double SimTime, string? FinishReason);
