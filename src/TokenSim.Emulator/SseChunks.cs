using System.Text;
using System.Text.Json;

namespace TokenSim.Emulator;

/// <summary>
/// A request's server-sent-event chunks, encoded once: every token chunk of a request is the same bytes but for the
/// role on the first and the finish reason on the last, so releasing a token is a copy, not a serialisation. That
/// keeps hundreds of concurrent streams within a few milliseconds of their schedule on two cores.
/// </summary>
internal sealed class SseChunks
{
    public const string TokenText = " tok";
    public static readonly byte[] Done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");

    private readonly byte[] _plain, _first;

    public SseChunks(string id, long created, string model, bool chat)
    {
        Id = id;
        Created = created;
        Model = model;
        Chat = chat;
        _plain = Encode(null, first: false);
        _first = Encode(null, first: true);
    }

    public string Id { get; }
    public long Created { get; }
    public string Model { get; }
    public bool Chat { get; }

    public byte[] Token(bool first, string? finishReason) =>
        finishReason is null ? (first ? _first : _plain) : Encode(finishReason, first);

    public byte[] Usage(int prompt, int completion) => Frame(new
    {
        id = Id, @object = Chat ? "chat.completion.chunk" : "text_completion", created = Created, model = Model, choices = Array.Empty<object>(),
        usage = new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = prompt + completion },
    });

    private byte[] Encode(string? finishReason, bool first)
    {
        object choice = Chat
            ? new { index = 0, delta = first ? new { role = "assistant", content = TokenText } : (object)new { content = TokenText }, logprobs = (object?)null, finish_reason = finishReason, stop_reason = (object?)null }
            : new { index = 0, text = TokenText, logprobs = (object?)null, finish_reason = finishReason, stop_reason = (object?)null };
        return Frame(new { id = Id, @object = Chat ? "chat.completion.chunk" : "text_completion", created = Created, model = Model, choices = new[] { choice } });
    }

    private static byte[] Frame(object chunk) => Encoding.UTF8.GetBytes("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
}
