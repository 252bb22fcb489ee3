using System.Threading.Channels;

namespace TokenSim.Emulator;

/// <summary>One request's tokens as the real-time engine releases them: each carries its simulated time.</summary>
public sealed class RequestStream(long id, int promptTokens, int maxTokens)
{
    private readonly Channel<double> _tokens = Channel.CreateUnbounded<double>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public long Id { get; } = id;
    public int PromptTokens { get; } = promptTokens;
    public int MaxTokens { get; } = maxTokens;
    public RequestParams? Params { get; init; }
    public ChannelReader<double> Tokens => _tokens.Reader;

    internal void Token(double simTime) => _tokens.Writer.TryWrite(simTime);
    internal void Finish() => _tokens.Writer.TryComplete();
    internal void Fail(string reason) => _tokens.Writer.TryComplete(new InvalidOperationException(reason));
}
