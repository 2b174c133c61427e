using System.Text;

namespace MailSender.TestSupport;

/// <summary>
/// Reads an SMTP client's bytes from a stream: command lines, and DATA sections up to the terminating CRLF.CRLF.
/// Bytes read past a line or a DATA section stay buffered, so pipelined commands are not lost.
/// </summary>
public sealed class SmtpWireReader(Stream stream)
{
    private const int MaxLineLength = 64 * 1024;
    private static readonly byte[] EndOfData = "\r\n.\r\n"u8.ToArray();

    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _fillStamp;

    /// <summary>Gets a value indicating whether bytes the client sent are waiting to be read.</summary>
    public bool HasBufferedBytes => _end > _start;

    /// <summary>Gets or sets what is noted at each read from the socket (the server's reply count), to tell which client writes waited for a reply.</summary>
    public Func<int>? Stamp { get; set; }

    /// <summary>Gets the <see cref="Stamp"/> of the socket read that delivered the end of the last line returned.</summary>
    public int LastStamp { get; private set; }

    /// <summary>Reads exactly <paramref name="count"/> bytes (a BDAT chunk), or <see langword="null"/> when the client closed the connection first.</summary>
    public async Task<byte[]?> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_end == _start && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var take = Math.Min(count - filled, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(result.AsSpan(filled));
            _start += take;
            filled += take;
        }

        return result;
    }

    /// <summary>Reads one command line (ended by LF, an optional CR before it removed), or <see langword="null"/> when the client closed the connection.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var searched = 0;
        while (true)
        {
            var newLine = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (newLine >= 0)
            {
                var length = searched + newLine;
                var line = _buffer.AsSpan(_start, length);
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }

                var text = Encoding.UTF8.GetString(line);
                _start += length + 1;
                LastStamp = _fillStamp;
                return text;
            }

            searched = _end - _start;
            if (searched > MaxLineLength)
            {
                throw new InvalidDataException("The client sent a command line longer than 64 KB.");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Reads a DATA section exactly as sent (still dot-stuffed) and consumes its terminating <c>.CRLF</c>.
    /// The result ends with the line break of the last line; it is empty for an empty message.
    /// Returns <see langword="null"/> when the connection closed first, or once <paramref name="stopAfter"/> bytes arrived without the terminator.
    /// </summary>
    /// <param name="stopAfter">Gives up after this many bytes, or <see langword="null"/> to read the whole section.</param>
    /// <param name="lenient">
    /// Ends the section at a line holding only "." whatever line breaks surround it (bare CR or LF too), as receivers
    /// vulnerable to SMTP smuggling do; otherwise only CRLF.CRLF ends it, as RFC 5321 says.
    /// </param>
    /// <param name="cancellationToken">Stops reading.</param>
    public async Task<byte[]?> ReadDataAsync(int? stopAfter, bool lenient, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream();
        while (true)
        {
            var searchFrom = (int)Math.Max(0, data.Length - (EndOfData.Length - 1));
            data.Write(_buffer, _start, _end - _start);
            _start = _end = 0;

            var bytes = data.GetBuffer().AsSpan(0, (int)data.Length);

            // The DATA command's own CRLF counts as the line break before the first line, so ".CRLF" right away is an empty message.
            if (bytes.StartsWith(".\r\n"u8))
            {
                Unread(bytes[3..]);
                return [];
            }

            if (lenient && FindLenientEnd(bytes, searchFrom) is (> 0 and var dot, var consumed))
            {
                Unread(bytes[consumed..]);
                return bytes[..dot].ToArray();
            }

            var end = lenient ? -1 : bytes[searchFrom..].IndexOf(EndOfData);
            if (end >= 0)
            {
                end += searchFrom;
                Unread(bytes[(end + EndOfData.Length)..]);
                return bytes[..(end + 2)].ToArray();
            }

            if (stopAfter is { } limit && data.Length >= limit)
            {
                return null;
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>Finds a "." between line breaks of any kind; returns its index and where the line break after it ends, or (-1, -1).</summary>
    private static (int Dot, int Consumed) FindLenientEnd(ReadOnlySpan<byte> bytes, int from)
    {
        for (var dot = Math.Max(from, 1); dot < bytes.Length - 1; dot++)
        {
            if (bytes[dot] != '.' || bytes[dot - 1] is not ((byte)'\r' or (byte)'\n'))
            {
                continue;
            }

            switch (bytes[dot + 1])
            {
                case (byte)'\n':
                    return (dot, dot + 2);
                case (byte)'\r' when dot + 2 < bytes.Length:
                    return (dot, bytes[dot + 2] == '\n' ? dot + 3 : dot + 2);
                case (byte)'\r':
                    // CR at the end of what arrived so far: whether LF follows decides how much to consume.
                    return (-1, -1);
            }
        }

        return (-1, -1);
    }

    private void Unread(ReadOnlySpan<byte> rest)
    {
        if (rest.Length > _buffer.Length)
        {
            _buffer = new byte[rest.Length];
        }

        rest.CopyTo(_buffer);
        _start = 0;
        _end = rest.Length;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        _fillStamp = Stamp?.Invoke() ?? 0;
        return read > 0;
    }
}
