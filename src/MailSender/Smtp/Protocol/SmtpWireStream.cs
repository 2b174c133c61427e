using System.Buffers;
using System.Globalization;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// The plaintext SMTP byte stream between MailKit and the network (or the TLS session the connector opened): the one place
/// that sees every byte both ways, so it enforces what MailKit cannot.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Timeouts.</b> Every read and write has the command timeout; a timeout surfaces as <see cref="TimeoutException"/>.</item>
/// <item><b>Bounded replies.</b> A reply line longer than <see cref="MaxReplyLine"/> octets, or a reply longer than
/// <see cref="MaxReply"/>, fails with <see cref="SmtpReplyTooLongException"/> before MailKit buffers more (a server that
/// streams bytes without a line break would otherwise grow MailKit's buffer without end: a read timeout never fires while bytes arrive).</item>
/// <item><b>Cancellation.</b> A caller's cancellation (connect, AUTH) or the pipeline's <see cref="Abort"/> fails the pending
/// read or write and every later one. The transaction pipeline decides when a message may no longer be cancelled
/// (the write that ends it has started) and writes through <see cref="WriteRawAsync"/>.</item>
/// <item><b>Secrets.</b> Everything the client writes during <c>AUTH</c> is kept, base64 and decoded, in <see cref="Secrets"/>,
/// so server replies that echo it are redacted before they are stored anywhere.</item>
/// </list>
/// MailKit is given <see cref="CancellationToken.None"/>: cancellation reaches it only as an <see cref="OperationCanceledException"/>
/// thrown from here.
/// </remarks>
internal sealed class SmtpWireStream : Stream
{
    /// <summary>The longest reply line accepted, CRLF included. RFC 5321 (4.5.3.1.5) allows 512 octets; servers add long texts.</summary>
    public const int MaxReplyLine = 16 * 1024;

    /// <summary>The longest reply accepted, all lines of a multi-line reply together (an EHLO reply is well under 1 KB).</summary>
    public const int MaxReply = 64 * 1024;

    private readonly object _gate = new();
    private Stream _inner;
    private TimeSpan _timeout;
    private CancellationTokenSource _io = new();
    private CancellationTokenRegistration _callerRegistration;
    private CancellationToken _callerToken;
    private byte[]? _replay;
    private int _replayOffset;

    // Reply scanning (server to client).
    private int _lineLength;
    private int _replyLength;
    private int _lineHeadLength;
    private readonly byte[] _lineHead = new byte[4];

    // Command scanning (client to server), outside message content.
    private byte[] _commandLine = new byte[256];
    private int _commandLength;
    private bool _commandOverflow;

    private bool _authenticating;
    private bool _cancelRequested;

    public SmtpWireStream(Stream inner, TimeSpan timeout)
    {
        _inner = inner;
        _timeout = timeout;
    }

    /// <summary>Gets the secrets written during AUTH, to redact from server replies.</summary>
    public AuthenticationSecrets Secrets { get; } = new();

    /// <summary>Gets a value indicating whether the caller cancelled the current operation before the message was handed over.</summary>
    public bool CancelRequested
    {
        get
        {
            lock (_gate)
            {
                return _cancelRequested;
            }
        }
    }

    /// <summary>Gets the command timeout applied to each read and write.</summary>
    public TimeSpan Timeout => _timeout;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    // MailKit sets socket timeouts only on streams that say they can time out; this one times every operation itself.
    public override bool CanTimeout => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Gets the stream below: the network, or the TLS session over it.</summary>
    public Stream Inner => _inner;

    /// <summary>Replaces the stream below, after the connector's STARTTLS handshake.</summary>
    public void SetInner(Stream inner) => _inner = inner;

    /// <summary>Sets the timeout of each read and write (the connect timeout while connecting, then the command timeout).</summary>
    public void SetTimeout(TimeSpan timeout) => _timeout = timeout;

    /// <summary>Serves <paramref name="bytes"/> (the greeting the connector already read) before anything from the network.</summary>
    public void Replay(byte[] bytes)
    {
        _replay = bytes;
        _replayOffset = 0;
    }

    /// <summary>
    /// Starts an operation the caller may cancel (a connection, a send, AUTH): until <see cref="EndOperation"/>, cancelling
    /// <paramref name="cancellationToken"/> aborts the pending read or write, unless the message's final write has started.
    /// </summary>
    public void BeginOperation(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _cancelRequested = false;
        }

        _callerToken = cancellationToken;
        _callerRegistration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((SmtpWireStream)s!).RequestCancel(), this)
            : default;
    }

    /// <summary>Ends the operation <see cref="BeginOperation"/> started; later cancellation of its token changes nothing.</summary>
    public void EndOperation()
    {
        _callerRegistration.Dispose();
        _callerRegistration = default;
        _callerToken = CancellationToken.None;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_replay is { } replay)
        {
            var count = Math.Min(buffer.Length, replay.Length - _replayOffset);
            replay.AsMemory(_replayOffset, count).CopyTo(buffer);
            _replayOffset += count;
            if (_replayOffset == replay.Length)
            {
                _replay = null;
            }

            return count;
        }

        var token = StartIo();
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsAbort(ex))
        {
            throw Aborted(ex);
        }
        finally
        {
            EndIo();
        }

        if (read > 0)
        {
            ScanReply(buffer.Span[..read]);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ScanCommands(buffer.Span);
        await WriteRawAsync(buffer).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Writes with the timeout and abort of any write, without following the commands (MailKit's writes are followed for
    /// AUTH secrets; the transaction pipeline tracks where each of its transactions stands itself).
    /// </summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> buffer)
    {
        var token = StartIo();
        try
        {
            await _inner.WriteAsync(buffer, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsAbort(ex))
        {
            throw Aborted(ex);
        }
        finally
        {
            EndIo();
        }
    }

    /// <summary>Fails the pending read or write, and every later one, as cancelled: the connection is being dropped for a cancelled transaction.</summary>
    public void Abort()
    {
        CancellationTokenSource io;
        lock (_gate)
        {
            _cancelRequested = true;
            io = _io;
        }

        try
        {
            io.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The stream was closed meanwhile: nothing is pending.
        }
    }

    // NetworkStream.FlushAsync returns a cancelled task for a cancelled token even after its bytes were sent: never pass one.
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(CancellationToken.None);

    public override void Flush() => _inner.Flush();

    // MailKit's asynchronous API, the only one MailSender calls, never reads or writes synchronously.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("SMTP I/O is asynchronous.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("SMTP I/O is asynchronous.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Reads one complete reply without MailKit (the greeting and STARTTLS exchange happen before MailKit takes over).</summary>
    /// <returns>The reply code, its text (lines joined by LF, without codes) and the raw bytes read.</returns>
    public async Task<SmtpWireReply> ReadReplyAsync()
    {
        var raw = new ArrayBufferWriter<byte>(256);
        var buffer = ArrayPool<byte>.Shared.Rent(1);
        try
        {
            while (true)
            {
                // One byte at a time: what follows the reply (e.g. a TLS handshake after 220) must stay unread.
                var read = await ReadAsync(buffer.AsMemory(0, 1)).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("The server closed the connection.");
                }

                raw.Write(buffer.AsSpan(0, 1));
                if (buffer[0] == '\n' && IsLastLine(raw.WrittenSpan))
                {
                    return SmtpWireReply.Parse(raw.WrittenSpan);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes a command line (without MailKit) and reads its reply.</summary>
    public async Task<SmtpWireReply> CommandAsync(string command)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(command + "\r\n");
        await WriteAsync(bytes).ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return await ReadReplyAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _callerRegistration.Dispose();
            _inner.Dispose();
            _io.Dispose();
        }

        base.Dispose(disposing);
    }

    private static bool IsLastLine(ReadOnlySpan<byte> raw)
    {
        // The last line of a reply has a space (or nothing) after its code: "250 OK", not "250-SIZE".
        var end = raw.Length - 1;
        var start = raw[..end].LastIndexOf((byte)'\n') + 1;
        return end - start < 4 || raw[start + 3] != '-';
    }

    private void RequestCancel()
    {
        Abort();
    }

    private CancellationToken StartIo()
    {
        lock (_gate)
        {
            if (_cancelRequested)
            {
                throw new OperationCanceledException("The operation was cancelled.", _callerToken);
            }

            if (!_io.TryReset())
            {
                _io.Dispose();
                _io = new CancellationTokenSource();
            }

            _io.CancelAfter(_timeout);
            return _io.Token;
        }
    }

    private void EndIo()
    {
        lock (_gate)
        {
            if (!_io.IsCancellationRequested)
            {
                _io.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
            }
        }
    }

    private bool IsAbort(Exception exception) =>
        exception is OperationCanceledException || (_io.IsCancellationRequested && exception is IOException or ObjectDisposedException);

    private Exception Aborted(Exception exception)
    {
        if (CancelRequested)
        {
            return new OperationCanceledException("The operation was cancelled.", exception, _callerToken);
        }

        return new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"The server did not answer within {_timeout.TotalSeconds:0.###} s."), exception);
    }

    /// <summary>Follows replies line by line: enforces the length caps and notes the end of AUTH.</summary>
    private void ScanReply(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            _lineLength++;
            _replyLength++;
            if (_lineHeadLength < _lineHead.Length)
            {
                _lineHead[_lineHeadLength++] = b;
            }

            if (b != '\n')
            {
                if (_lineLength > MaxReplyLine || _replyLength > MaxReply)
                {
                    throw new SmtpReplyTooLongException(_lineLength > MaxReplyLine ? MaxReplyLine : MaxReply, _lineLength > MaxReplyLine);
                }

                continue;
            }

            var last = _lineLength < 5 || _lineHead[3] != '-';
            if (last)
            {
                OnReply(_lineHeadLength >= 3 ? ParseCode(_lineHead) : 0);
                _replyLength = 0;
            }

            _lineLength = 0;
            _lineHeadLength = 0;
        }
    }

    private static int ParseCode(ReadOnlySpan<byte> head) =>
        head[0] is >= (byte)'0' and <= (byte)'9' && head[1] is >= (byte)'0' and <= (byte)'9' && head[2] is >= (byte)'0' and <= (byte)'9'
            ? ((head[0] - '0') * 100) + ((head[1] - '0') * 10) + (head[2] - '0')
            : 0;

    private void OnReply(int code)
    {
        if (_authenticating && code != 334)
        {
            _authenticating = false;
        }
    }

    /// <summary>Follows the commands MailKit writes, to capture what is written during AUTH.</summary>
    private void ScanCommands(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (_commandLength == _commandLine.Length)
            {
                if (_authenticating && _commandLine.Length < 64 * 1024)
                {
                    // A SASL response (e.g. an OAuth token) can be long: keep all of it, to redact all of it.
                    Array.Resize(ref _commandLine, _commandLine.Length * 2);
                }
                else
                {
                    _commandOverflow = true;
                }
            }

            if (!_commandOverflow)
            {
                _commandLine[_commandLength++] = b;
            }

            if (b != '\n')
            {
                continue;
            }

            OnCommand(_commandLine.AsSpan(0, _commandLength));
            _commandLength = 0;
            _commandOverflow = false;
        }
    }

    private void OnCommand(ReadOnlySpan<byte> line)
    {
        var text = line.TrimEnd("\r\n"u8);
        if (StartsWith(text, "AUTH "u8))
        {
            _authenticating = true;
            var mechanismEnd = text[5..].IndexOf((byte)' ');
            if (mechanismEnd >= 0)
            {
                Secrets.Capture(text[(5 + mechanismEnd + 1)..]);
            }
        }
        else if (_authenticating)
        {
            Secrets.Capture(text);
        }
    }

    private static bool StartsWith(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix) =>
        text.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(text[..prefix.Length], prefix);

}

/// <summary>A reply read by <see cref="SmtpWireStream.ReadReplyAsync"/>.</summary>
/// <param name="Code">The reply code, e.g. 220.</param>
/// <param name="Text">The text of every line after its code, joined by LF.</param>
/// <param name="Lines">The lines' texts.</param>
/// <param name="Raw">The bytes as received.</param>
internal sealed record SmtpWireReply(int Code, string Text, IReadOnlyList<string> Lines, byte[] Raw)
{
    public static SmtpWireReply Parse(ReadOnlySpan<byte> raw)
    {
        var text = System.Text.Encoding.UTF8.GetString(raw);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        var code = lines.Length > 0 && lines[0].Length >= 3 && int.TryParse(lines[0].AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
        var texts = lines.Select(l => l.Length > 4 ? l[4..] : string.Empty).ToArray();
        return new SmtpWireReply(code, string.Join('\n', texts), texts, raw.ToArray());
    }

    /// <summary>Gets a value indicating whether an EHLO reply lists <paramref name="keyword"/> (e.g. <c>STARTTLS</c>).</summary>
    public bool HasKeyword(string keyword) =>
        Lines.Skip(1).Any(l => l.Equals(keyword, StringComparison.OrdinalIgnoreCase) || l.StartsWith(keyword + " ", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The server sent a reply line or reply longer than the client accepts; the connection cannot be used any more.</summary>
internal sealed class SmtpReplyTooLongException(int limit, bool line)
    : IOException(string.Create(CultureInfo.InvariantCulture, $"The server sent a reply {(line ? "line" : string.Empty)} longer than {limit:N0} octets without ending it; the connection was closed."))
{
    public int Limit { get; } = limit;
}
