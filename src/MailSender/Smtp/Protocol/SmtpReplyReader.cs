using System.Text;

namespace MailSender.Smtp.Protocol;

/// <summary>A reply the pipeline read: its code, and its text (the lines after their codes, joined by LF) when it was wanted or is a failure.</summary>
internal readonly record struct SmtpServerReply(int Code, string? Text)
{
    public bool IsPositive => Code is >= 200 and < 300;
}

/// <summary>
/// Reads replies from the wire stream through one buffer, one reply at a time, in order. The wire stream below caps line
/// and reply lengths; this keeps the text only when it is needed (a failure, or the final reply), so an accepted
/// command costs no string.
/// </summary>
internal sealed class SmtpReplyReader(SmtpWireStream wire)
{
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>Gets a value indicating whether bytes were read past the last reply (a server talking out of turn).</summary>
    public bool HasUnreadBytes => _end > _start;

    /// <summary>Reads the next complete reply.</summary>
    /// <param name="wantText">Whether to keep the text of a positive reply (failures always keep it).</param>
    /// <exception cref="IOException">The server closed the connection.</exception>
    /// <exception cref="MailKit.Net.Smtp.SmtpProtocolException">A line does not start with a reply code.</exception>
    public async ValueTask<SmtpServerReply> ReadAsync(bool wantText)
    {
        StringBuilder? text = null;
        while (true)
        {
            var lineEnd = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lineEnd < 0)
            {
                await FillAsync().ConfigureAwait(false);
                continue;
            }

            var line = _buffer.AsSpan(_start, lineEnd - _start);
            _start = lineEnd + 1;
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Length < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2]) || (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')))
            {
                throw new MailKit.Net.Smtp.SmtpProtocolException("The server sent a line that is not an SMTP reply.");
            }

            var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
            var last = line.Length == 3 || line[3] == ' ';
            if (wantText || code >= 300 || text is not null)
            {
                text ??= new StringBuilder();
                if (text.Length > 0)
                {
                    text.Append('\n');
                }

                if (line.Length > 4)
                {
                    text.Append(Encoding.UTF8.GetString(line[4..]));
                }
            }

            if (last)
            {
                return new SmtpServerReply(code, wantText || code >= 300 ? text?.ToString() ?? string.Empty : null);
            }
        }
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private async ValueTask FillAsync()
    {
        if (_start > 0)
        {
            // Keep the partial line at the front.
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // A long line (the wire stream fails one past its cap, 16 KiB): make room.
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await wire.ReadAsync(_buffer.AsMemory(_end)).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }

        _end += read;
    }
}
