namespace MailSender.Sending;

/// <summary>Notes any CR or LF written that is not part of a CRLF pair (optionally tolerating a bare LF).</summary>
internal sealed class LineBreakCheckingStream(bool allowBareLineFeed = false) : Stream
{
    private bool _pendingCr;
    private bool _bare;

    public bool HasBareLineBreak => _bare || _pendingCr;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_bare || buffer.IsEmpty)
        {
            return;
        }

        var i = 0;
        if (_pendingCr)
        {
            _bare = buffer[0] != '\n';
            _pendingCr = false;
            i = 1;
        }

        while (!_bare && i < buffer.Length)
        {
            var next = buffer[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                break;
            }

            i += next;
            if (buffer[i] == '\n')
            {
                // Every LF paired with a CR was skipped with it below.
                _bare = !allowBareLineFeed;
                i++;
                continue;
            }

            if (i + 1 == buffer.Length)
            {
                _pendingCr = true;
            }
            else
            {
                _bare = buffer[i + 1] != '\n';
            }

            i += 2;
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
