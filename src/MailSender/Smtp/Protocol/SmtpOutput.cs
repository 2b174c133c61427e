using System.Buffers;
using System.Globalization;
using System.Text;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// What the pipeline writes next, gathered so that one flush puts it on the wire: commands and small messages are
/// copied into one pooled buffer (one write), a large message is written from its own memory (no copy).
/// </summary>
internal sealed class SmtpOutput : IDisposable
{
    // Below this a message is copied next to the commands, so a whole flight is one write (one packet when it fits).
    private const int CopyLimit = 64 * 1024;

    // The last octets of a large BDAT message are written on their own: only that write can complete the message.
    private const int FinalPiece = 16 * 1024;

    // The most written with one timeout.
    private const int WriteBlock = 256 * 1024;

    private static readonly byte[] DotCrLf = ".\r\n"u8.ToArray();
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    private readonly List<Segment> _segments = [];
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _length;
    private int _sealed;
    private SmtpTransaction? _pendingFinal;

    public bool IsEmpty => _length == 0 && _segments.Count == 0;

    /// <summary>Adds a command line: the texts one after the other, then CRLF.</summary>
    public void Command(string first, string? second = null, string? third = null)
    {
        Text(first);
        if (second is not null)
        {
            Text(second);
        }

        if (third is not null)
        {
            Text(third);
        }

        Raw(CrLf);
    }

    /// <summary>Adds <c>MAIL FROM:&lt;address&gt;</c> with its parameters, including RET and ENVID (RFC 3461) when <paramref name="dsn"/> is given and REQUIRETLS (RFC 8689).</summary>
    public void MailFrom(string address, SmtpContent content, bool size, DeliveryStatusNotification? dsn = null, bool requireTls = false)
    {
        Text("MAIL FROM:<");
        Text(address);
        Text(">");
        if (content.International)
        {
            Text(" SMTPUTF8");
        }

        if (size)
        {
            Text(" SIZE=");
            Number(content.Length);
        }

        if (content.Body == SmtpContent.BodyType.BinaryMime)
        {
            Text(" BODY=BINARYMIME");
        }
        else if (content.Body == SmtpContent.BodyType.EightBitMime)
        {
            Text(" BODY=8BITMIME");
        }

        if (dsn?.Return is { } ret)
        {
            Text(ret == DsnReturn.Full ? " RET=FULL" : " RET=HDRS");
        }

        if (dsn?.EnvelopeId is { } id)
        {
            Text(" ENVID=");
            Text(Xtext(id));
        }

        if (requireTls)
        {
            Text(" REQUIRETLS");
        }

        Raw(CrLf);
    }

    /// <summary>Adds <c>RCPT TO:&lt;address&gt;</c>, with NOTIFY and ORCPT (RFC 3461) when <paramref name="dsn"/> is given.</summary>
    public void RcptTo(string address, DeliveryStatusNotification? dsn)
    {
        Text("RCPT TO:<");
        Text(address);
        Text(">");
        if (dsn is not null)
        {
            Text(" NOTIFY=");
            Text(NotifyKeywords(dsn.Notify));
            Text(" ORCPT=rfc822;");
            Text(Xtext(address));
        }

        Raw(CrLf);
    }

    /// <summary>The NOTIFY value (RFC 3461, 4.1): NEVER alone, or SUCCESS, FAILURE and DELAY in that order.</summary>
    private static string NotifyKeywords(DsnNotify notify) => notify switch
    {
        DsnNotify.Never => "NEVER",
        DsnNotify.Success => "SUCCESS",
        DsnNotify.Failure => "FAILURE",
        DsnNotify.Delay => "DELAY",
        DsnNotify.Failure | DsnNotify.Delay => "FAILURE,DELAY",
        DsnNotify.Success | DsnNotify.Failure => "SUCCESS,FAILURE",
        DsnNotify.Success | DsnNotify.Delay => "SUCCESS,DELAY",
        DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay => "SUCCESS,FAILURE,DELAY",
        _ => throw new InvalidOperationException($"NOTIFY {notify} was not checked: MailEnvelope.DeliveryStatus refuses it."),
    };

    /// <summary>Encodes xtext (RFC 3461, 4): <c>+</c>, <c>=</c>, controls and anything outside printable ASCII become <c>+XX</c>.</summary>
    internal static string Xtext(string text)
    {
        if (!text.Any(c => c is '+' or '=' or < '!' or > '~'))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            if (b is (byte)'+' or (byte)'=' or < 0x21 or > 0x7E)
            {
                builder.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    /// <summary>Adds <c>BDAT n LAST</c> and the message of <paramref name="transaction"/>, whose last piece is its final write.</summary>
    public void Bdat(SmtpContent content, SmtpTransaction transaction)
    {
        Text("BDAT ");
        Number(content.Length);
        Text(" LAST\r\n");
        var bytes = content.Bytes;
        if (bytes.Length > FinalPiece)
        {
            // Only the write with the last octets completes the message: a failure before it leaves nothing accepted.
            Content(bytes[..^FinalPiece]);
            bytes = bytes[^FinalPiece..];
        }

        SealBuffer();
        MarkFinal(transaction);
        Content(bytes);
        SealBuffer();
    }

    /// <summary>Adds the message for DATA: dot-stuffed, a CRLF if it lacks one, and the terminating <c>.</c> line (its final write).</summary>
    public void DataContent(SmtpContent content, SmtpTransaction transaction)
    {
        var bytes = content.Bytes;
        var from = 0;
        if (content.DotPositions is { } dots)
        {
            foreach (var dot in dots)
            {
                Content(bytes[from..dot]);
                Raw("."u8);
                from = dot;
            }
        }

        Content(bytes[from..]);
        SealBuffer();
        MarkFinal(transaction);
        if (content.Length > 0 && !content.EndsWithLineBreak)
        {
            Raw(CrLf);
        }

        Raw(DotCrLf);
        SealBuffer();
    }

    /// <summary>Adds only the terminator (after a 354 for a transaction that already failed: an empty message the server refuses).</summary>
    public void Terminator(SmtpTransaction transaction)
    {
        SealBuffer();
        MarkFinal(transaction);
        Raw(DotCrLf);
        SealBuffer();
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the transactions whose message this output ends and whose caller asked for a
    /// checkpoint not reached yet (<see cref="SmtpTransaction.Checkpoint"/>).
    /// </summary>
    public void CollectCheckpoints(List<SmtpTransaction> into)
    {
        foreach (var segment in _segments)
        {
            if (segment.Final is { Checkpoint: { Reached: false } } ends)
            {
                into.Add(ends);
            }
        }
    }

    /// <summary>
    /// Writes everything gathered, in order (neighbouring buffer segments as one write), and empties the output. Before a
    /// write that holds the end of a message, <paramref name="beforeFinalWrite"/> is called: from then on that message may be accepted.
    /// </summary>
    public async ValueTask FlushAsync(SmtpWireStream wire, Action<SmtpTransaction> beforeFinalWrite)
    {
        SealBuffer();
        var i = 0;
        while (i < _segments.Count)
        {
            var segment = _segments[i];
            if (!segment.External.IsEmpty)
            {
                if (segment.Final is { } ends)
                {
                    beforeFinalWrite(ends);
                }

                await Write(wire, segment.External).ConfigureAwait(false);
                i++;
                continue;
            }

            var end = segment.Start + segment.Length;
            var j = i + 1;
            while (j < _segments.Count && _segments[j].External.IsEmpty && _segments[j].Start == end)
            {
                end += _segments[j].Length;
                j++;
            }

            for (var k = i; k < j; k++)
            {
                if (_segments[k].Final is { } final)
                {
                    beforeFinalWrite(final);
                }
            }

            await Write(wire, _buffer.AsMemory(segment.Start, end - segment.Start)).ConfigureAwait(false);
            i = j;
        }

        _segments.Clear();
        _length = 0;
        _sealed = 0;
    }

    /// <summary>Forgets what was gathered (the connection is being dropped).</summary>
    public void Clear()
    {
        _pendingFinal = null;
        _segments.Clear();
        _length = 0;
        _sealed = 0;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A large message goes in blocks, each with the command timeout: a slow link must not fail a 50 MB message that moves.
    private static async ValueTask Write(SmtpWireStream wire, ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var block = bytes[..Math.Min(bytes.Length, WriteBlock)];
            await wire.WriteRawAsync(block).ConfigureAwait(false);
            bytes = bytes[block.Length..];
        }
    }

    private void MarkFinal(SmtpTransaction transaction) => _pendingFinal = transaction;

    private void Content(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Length < CopyLimit)
        {
            Raw(bytes.Span);
            return;
        }

        SealBuffer();
        _segments.Add(new Segment(0, bytes.Length, bytes, TakeFinal()));
    }

    private void SealBuffer()
    {
        if (_length > _sealed)
        {
            _segments.Add(new Segment(_sealed, _length - _sealed, default, TakeFinal()));
            _sealed = _length;
        }
    }

    private SmtpTransaction? TakeFinal()
    {
        var final = _pendingFinal;
        _pendingFinal = null;
        return final;
    }

    private void Text(string text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    private void Number(long value)
    {
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }

    /// <param name="Start">Where the segment starts in the buffer (buffer segments).</param>
    /// <param name="Length">Its length.</param>
    /// <param name="External">The memory written as it is (a large message), or empty for a buffer segment.</param>
    /// <param name="Final">The transaction whose message this write ends, if any.</param>
    private readonly record struct Segment(int Start, int Length, ReadOnlyMemory<byte> External, SmtpTransaction? Final);
}
