using MimeKit;
using MimeKit.IO;
using MimeKit.Utils;

namespace MailSender.Internal;

/// <summary>
/// Checks a message and builds its envelope before any network I/O, so a bad message fails
/// with a clear error and is never sent half-way.
/// </summary>
internal static class MessagePreparer
{
    /// <summary>The options used to write a message for transmission: CRLF line endings, Bcc hidden.</summary>
    public static readonly FormatOptions WireFormat = CreateWireFormat();

    private static readonly string MachineIdSuffix = "@" + MimeUtils.GenerateMessageId().Split('@')[^1];

    /// <summary>Fills in defaults (From, Message-Id), validates the message and returns its envelope and an upper bound of its size.</summary>
    public static PreparedMessage Prepare(MimeMessage message, MailboxAddress? defaultFrom)
    {
        if (message.From.Count == 0)
        {
            if (defaultFrom is null)
            {
                throw new EmailSendException(EmailErrorKind.InvalidMessage, "The message has no From address and no default sender is configured.")
                {
                    Hint = "Set message.From, or configure MailSender:DefaultFrom (e.g. \"App <app@example.com>\").",
                };
            }

            message.From.Add(defaultFrom.Clone());
        }

        var sender = message.Sender ?? message.From.Mailboxes.FirstOrDefault()
            ?? throw new EmailSendException(EmailErrorKind.InvalidMessage, "The From header holds no mailbox address (only an empty group).");
        AddressParser.Check(sender, "from");
        foreach (var mailbox in message.From.Mailboxes.Concat(message.ReplyTo.Mailboxes))
        {
            AddressParser.Check(mailbox, "from");
        }

        var recipients = new List<MailboxAddress>(message.To.Count + message.Cc.Count + message.Bcc.Count);
        AddRecipients(message.To, "to", recipients);
        AddRecipients(message.Cc, "cc", recipients);
        AddRecipients(message.Bcc, "bcc", recipients);
        if (recipients.Count == 0)
        {
            throw new EmailSendException(EmailErrorKind.InvalidMessage, "The message has no recipient: add at least one To, Cc or Bcc address.");
        }

        // MimeMessage's constructor makes an id with this machine's host name, which leaks it and hurts spam scores;
        // an id in the sender's domain is what receivers expect.
        if (string.IsNullOrEmpty(message.MessageId) || message.MessageId.EndsWith(MachineIdSuffix, StringComparison.OrdinalIgnoreCase))
        {
            message.MessageId = MimeUtils.GenerateMessageId(sender.Domain);
        }

        var sizeBound = CheckEntities(message);
        return new PreparedMessage(new MailEnvelope(sender, recipients), sizeBound);
    }

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        options.HiddenHeaders.Add(HeaderId.ResentBcc);
        return options;
    }

    private static void AddRecipients(InternetAddressList list, string field, List<MailboxAddress> recipients)
    {
        foreach (var mailbox in list.Mailboxes)
        {
            AddressParser.Check(mailbox, field);

            // Messages have few recipients: a linear scan costs less than a set.
            if (!recipients.Exists(r => string.Equals(r.Address, mailbox.Address, StringComparison.OrdinalIgnoreCase)))
            {
                recipients.Add(mailbox);
            }
        }
    }

    /// <summary>
    /// Checks every header and body part without serialising the whole message (that would double the cost of a send):
    /// header injection, content that would put a bare CR or LF on the wire, unreadable content.
    /// Returns an upper bound of the message's size on the wire, so the exact size is computed only when a server limit is near.
    /// </summary>
    private static long CheckEntities(MimeMessage message)
    {
        var bound = CheckHeaders(message.Headers, null) + 1024;
        return message.Body is null ? bound : bound + CheckEntity(message.Body, "1");
    }

    private static long CheckEntity(MimeEntity entity, string path)
    {
        var bound = CheckHeaders(entity.Headers, path) + 256;
        switch (entity)
        {
            case Multipart multipart:
                if (!string.IsNullOrEmpty(multipart.Preamble) || !string.IsNullOrEmpty(multipart.Epilogue))
                {
                    CheckPreambleAndEpilogue(multipart);
                }

                for (var i = 0; i < multipart.Count; i++)
                {
                    bound += CheckEntity(multipart[i], path);
                }

                break;
            case MessagePart { Message: { } inner }:
                bound += CheckHeaders(inner.Headers, path) + (inner.Body is null ? 0 : CheckEntity(inner.Body, path));
                break;
            case MimePart { Content: { } content } part:
                bound += CheckContent(part, content);
                break;
        }

        return bound;
    }

    /// <summary>
    /// SMTP allows CR and LF only as a CRLF pair (RFC 5321, 2.3.8). MimeKit turns a bare LF into CRLF but passes a bare CR
    /// through, and receivers that end DATA at CR "." CR would read what follows as commands (SMTP smuggling).
    /// Content a base64 or quoted-printable encoder writes is safe; content written as is (7bit, 8bit, binary, or already
    /// in its transfer encoding) is checked, and re-encoded when it holds a bare line break: quoted-printable for text, else base64.
    /// </summary>
    private static long CheckContent(MimePart part, IMimeContent content)
    {
        var stream = content.Stream!;
        if (stream is null || !stream.CanRead)
        {
            throw Unreadable(part, new IOException("the content stream cannot be read"));
        }

        try
        {
            // Quoted-printable can triple the size; CRLF conversion at most doubles it.
            var bound = (stream.CanSeek ? stream.Length : 0) * 3 + 256;
            var encoding = part.ContentTransferEncoding;
            if (encoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode && content.Encoding != encoding)
            {
                return bound;
            }

            if (HasBareLineBreak(part))
            {
                // MimeKit decodes the content from its own encoding before applying the new one.
                part.ContentTransferEncoding = part is TextPart ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
                if (HasBareLineBreak(part))
                {
                    part.ContentTransferEncoding = ContentEncoding.Base64;
                    if (HasBareLineBreak(part))
                    {
                        throw BareLineBreak();
                    }
                }
            }

            return bound;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            throw Unreadable(part, ex);
        }
    }

    private static void CheckPreambleAndEpilogue(Multipart multipart)
    {
        // Rare enough to afford writing the multipart once, so the check sees exactly what goes on the wire.
        using var check = new LineBreakCheckingStream();
        multipart.WriteTo(WireFormat, check, contentOnly: true);
        if (check.HasBareLineBreak)
        {
            throw BareLineBreak();
        }
    }

    private static EmailSendException BareLineBreak() =>
        new(EmailErrorKind.InvalidMessage, "The message holds a CR or LF that is not part of a CRLF line break outside any re-encodable content (a preamble, epilogue or pre-encoded part); sent as is, it could smuggle SMTP commands.")
        {
            Hint = "Use CRLF line breaks in multipart preambles and epilogues and in content you encode yourself.",
        };

    /// <summary>
    /// Rejects a header whose value holds a line break that is not folding (CRLF followed by a space or tab):
    /// such a value would start a new header, such as a forged Bcc. Returns an upper bound of the headers' size.
    /// </summary>
    private static long CheckHeaders(HeaderList headers, string? part)
    {
        long length = 0;
        foreach (var header in headers)
        {
            var raw = header.RawValue;
            length += (header.Field.Length + raw.Length + 4) * 2;
            var end = raw.Length;
            while (end > 0 && raw[end - 1] is (byte)'\r' or (byte)'\n')
            {
                end--;
            }

            for (var i = 0; i < end; i++)
            {
                // Folding is a line break followed by a space or tab; any other CR or LF would end the header.
                var broken = raw[i] switch
                {
                    (byte)'\r' => i + 1 >= end || raw[i + 1] != '\n',
                    (byte)'\n' => i + 1 >= end || raw[i + 1] is not ((byte)' ' or (byte)'\t'),
                    _ => false,
                };
                if (broken)
                {
                    var where = part is null ? "message" : "body";
                    throw new EmailSendException(EmailErrorKind.InvalidMessage, $"The {header.Field} header of the {where} contains a line break, which could inject another header.")
                    {
                        Hint = "Remove CR and LF characters from header values (subject, names, custom headers).",
                    };
                }
            }
        }

        return length;
    }

    /// <summary>
    /// Whether the content would reach the wire with a bare CR (or, outside text, a bare LF): written as is,
    /// MimeKit turns a text part's bare LF into CRLF but keeps a bare CR. Encoded content is checked as MimeKit writes it.
    /// </summary>
    private static bool HasBareLineBreak(MimePart part)
    {
        var content = part.Content!;
        var writtenAsIs = content.Encoding == part.ContentTransferEncoding ||
            (content.Encoding == ContentEncoding.Default && part.ContentTransferEncoding is ContentEncoding.Default or ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary);
        if (!writtenAsIs)
        {
            using var check = new LineBreakCheckingStream();
            part.WriteTo(WireFormat, check, contentOnly: true);
            return check.HasBareLineBreak;
        }

        // Text parts' bare LFs become CRLF on the way out; elsewhere any unpaired CR or LF counts.
        using var scan = new LineBreakCheckingStream(allowBareLineFeed: part is TextPart);
        var stream = content.Stream!;
        stream.Position = 0;
        try
        {
            stream.CopyTo(scan);
        }
        finally
        {
            stream.Position = 0;
        }

        return scan.HasBareLineBreak;
    }

    private static EmailSendException Unreadable(MimePart part, Exception ex) =>
        new(EmailErrorKind.InvalidMessage, $"The attachment '{part.FileName ?? part.ContentType.MimeType}' could not be read: {ex.Message}", ex);

    /// <summary>Notes any CR or LF written that is not part of a CRLF pair (optionally tolerating a bare LF).</summary>
    private sealed class LineBreakCheckingStream(bool allowBareLineFeed = false) : Stream
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
}

/// <summary>A validated message's envelope, and an upper bound of its size on the wire.</summary>
internal readonly record struct PreparedMessage(MailEnvelope Envelope, long SizeBound);
