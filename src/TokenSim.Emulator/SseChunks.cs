using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TokenSim.Emulator.Json;

namespace TokenSim.Emulator;

/// <summary>
/// A request's server-sent-event chunks, encoded once: every token chunk of a request is the same bytes but for the
/// role on the first and the finish reason on the last, so releasing a token is a copy, not a serialisation. That
/// keeps hundreds of concurrent streams within a few milliseconds of their schedule on two cores.
/// </summary>
internal sealed class SseChunks
{
    public const string TokenText = " tok";
    public static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly byte[] Prefix = "data: "u8.ToArray(), End = "\n\n"u8.ToArray();

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

    private string Object => Chat ? "chat.completion.chunk" : "text_completion";

    /// <summary>The last chunk of a stream that asked for usage: no choices, the request's token counts.</summary>
    public byte[] Usage(int prompt, int completion) => Chat
        ? Frame(new CompletionJson<ChatDeltaChoice>(Id, Object, Created, Model, [], UsageJson.Of(prompt, completion)), EmulatorJsonContext.Default.ChatChunk)
        : Frame(new CompletionJson<TextChoice>(Id, Object, Created, Model, [], UsageJson.Of(prompt, completion)), EmulatorJsonContext.Default.TextCompletion);

    private byte[] Encode(string? finishReason, bool first) => Chat
        ? Frame(new CompletionJson<ChatDeltaChoice>(Id, Object, Created, Model, [new(0, new(first ? "assistant" : null, TokenText), null, finishReason, null)]), EmulatorJsonContext.Default.ChatChunk)
        : Frame(new CompletionJson<TextChoice>(Id, Object, Created, Model, [new(0, TokenText, null, finishReason, null)]), EmulatorJsonContext.Default.TextCompletion);

    /// <summary>One event: <c>data: </c>, the chunk's UTF-8 JSON, a blank line (written straight to bytes, no string between).</summary>
    private static byte[] Frame<T>(T chunk, JsonTypeInfo<T> type)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(chunk, type);
        var frame = new byte[Prefix.Length + json.Length + End.Length];
        Prefix.CopyTo(frame, 0);
        json.CopyTo(frame, Prefix.Length);
        End.CopyTo(frame, Prefix.Length + json.Length);
        return frame;
    }
}
