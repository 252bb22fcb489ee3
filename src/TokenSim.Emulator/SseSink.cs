using System.Buffers;
using System.IO.Pipelines;

namespace TokenSim.Emulator;

/// <summary>
/// Writes one streaming response's server-sent events straight from the engine thread, the moment the step that
/// produces a token ends: no hop through the thread pool per token, which on two cores is what made hundreds of
/// streams late. A flush the socket cannot take at once (a slow client) is awaited off the engine thread, and
/// tokens due meanwhile wait in order behind it.
/// </summary>
internal sealed class SseSink(PipeWriter writer, SseChunks chunks, bool usage, RequestStream request, RealTimeEngine engine)
{
    private readonly object _gate = new();
    private readonly List<byte[]> _queued = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private double _due = double.NaN; // the earliest due time of what is written but not yet flushed
    private bool _flushing, _finished, _closed;
    private int _tokens;

    /// <summary>Completes when the last event is flushed, or when the client is gone.</summary>
    public Task Done => _done.Task;

    /// <summary>The client stopped taking the stream before its last event.</summary>
    public bool ClientGone { get; private set; }

    public void Release(in ReleasedToken t)
    {
        lock (_gate)
        {
            if (_closed) return;
            _tokens++;
            Append(chunks.Token(_tokens == 1, t.FinishReason));
            if (t.FinishReason is not null)
            {
                if (usage) Append(chunks.Usage(request.PromptTokens, _tokens));
                Append(SseChunks.Done);
                _finished = true;
            }
            if (double.IsNaN(_due)) _due = t.SimTime;
            if (!_flushing) Flush();
        }
    }

    public void Fail(Exception e)
    {
        lock (_gate)
        {
            _closed = true;
            _done.TrySetException(e);
        }
    }

    /// <summary>The response is over (finished or aborted): nothing more may touch its writer.</summary>
    public void Close()
    {
        lock (_gate) _closed = true;
    }

    private void Append(byte[] bytes)
    {
        if (_flushing) _queued.Add(bytes);
        else writer.Write(bytes);
    }

    private void Flush()
    {
        double due = _due;
        _due = double.NaN;
        ValueTask<FlushResult> flush;
        try { flush = writer.FlushAsync(); }
        catch (Exception e) when (e is InvalidOperationException or IOException) { Gone(); return; }
        if (flush.IsCompletedSuccessfully)
        {
            if (Flushed(flush.Result, due) && _finished) _done.TrySetResult();
            return;
        }
        _flushing = true;
        _ = AwaitFlush(flush, due);
    }

    private async Task AwaitFlush(ValueTask<FlushResult> flush, double due)
    {
        FlushResult result;
        try { result = await flush; }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            lock (_gate) Gone();
            return;
        }
        lock (_gate)
        {
            _flushing = false;
            if (_closed || !Flushed(result, due)) return;
            if (_queued.Count > 0)
            {
                foreach (var b in _queued) writer.Write(b);
                _queued.Clear();
                Flush();
            }
            else if (_finished) _done.TrySetResult();
        }
    }

    /// <summary>Records the flush's lateness; false when the client has gone.</summary>
    private bool Flushed(FlushResult result, double due)
    {
        if (result.IsCanceled || result.IsCompleted)
        {
            Gone();
            return false;
        }
        engine.RecordRelease(due);
        return true;
    }

    private void Gone()
    {
        _closed = true;
        ClientGone = true;
        _done.TrySetResult(); // the handler sees the aborted request and aborts it in the engine
    }
}
