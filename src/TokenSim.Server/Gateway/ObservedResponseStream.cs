namespace TokenSim.Server.Gateway;

/// <summary>
/// The response body as the gateway forwards it: every byte goes to the client as it comes, unchanged and flushed
/// when the proxy flushes; the first write is reported (a stream's first token) and up to <see cref="MaxCaptured"/>
/// bytes are kept to read the output length from when the response ends.
/// </summary>
internal sealed class ObservedResponseStream(Stream inner, Action onFirstWrite) : Stream
{
    public const int MaxCaptured = 8 * 1024 * 1024;
    private readonly MemoryStream _captured = new();
    private bool _written;

    /// <summary>The bytes kept (all of them unless the response passed <see cref="MaxCaptured"/>).</summary>
    public ReadOnlyMemory<byte> Captured => _captured.GetBuffer().AsMemory(0, (int)_captured.Length);
    public bool Truncated { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Observe(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return;
        if (!_written)
        {
            _written = true;
            onFirstWrite();
        }
        if (_captured.Length + bytes.Length <= MaxCaptured) _captured.Write(bytes);
        else Truncated = true;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
