using System.Threading.Channels;

namespace TokenSim.Emulator;

/// <summary>One request's tokens as the real-time engine releases them: each carries the simulated time it is due.</summary>
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

    internal void Token(double simTime, string? finishReason)
    {
        if (finishReason is not null) FinishReason = finishReason;
        _tokens.Writer.TryWrite(new ReleasedToken(simTime, finishReason));
        if (finishReason is not null) _tokens.Writer.TryComplete();
    }
    internal void Fail(string reason) => _tokens.Writer.TryComplete(new InvalidOperationException(reason));
}

/// <summary>A token as it leaves the engine: the simulated time it is due, and the finish reason if it is the last.</summary>
public readonly record struct ReleasedToken(double SimTime, string? FinishReason);
