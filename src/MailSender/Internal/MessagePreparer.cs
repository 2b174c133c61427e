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

    /// <summary>Fills in defaults (From, Message-Id), validates the message and returns its envelope and size.</summary>
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

        var recipients = new List<MailboxAddress>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        AddRecipients(message.To, "to", recipients, seen);
        AddRecipients(message.Cc, "cc", recipients, seen);
        AddRecipients(message.Bcc, "bcc", recipients, seen);
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

        CheckHeaders(message);
        var size = Measure(message);
        return new PreparedMessage(new MailEnvelope(sender, recipients), size);
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

    private static void AddRecipients(InternetAddressList list, string field, List<MailboxAddress> recipients, HashSet<string> seen)
    {
        foreach (var mailbox in list.Mailboxes)
        {
            AddressParser.Check(mailbox, field);
            if (seen.Add(mailbox.Address))
            {
                recipients.Add(mailbox);
            }
        }
    }

    /// <summary>
    /// Rejects a header whose value holds a line break that is not folding (CRLF followed by a space or tab):
    /// such a value would start a new header, such as a forged Bcc.
    /// </summary>
    private static void CheckHeaders(MimeMessage message)
    {
        CheckHeaders(message.Headers, "message");
        if (message.Body is null)
        {
            return;
        }

        using var iterator = new MimeIterator(message);
        while (iterator.MoveNext())
        {
            CheckHeaders(iterator.Current.Headers, "body part " + iterator.PathSpecifier);
        }
    }

    private static void CheckHeaders(HeaderList headers, string where)
    {
        foreach (var header in headers)
        {
            var raw = header.RawValue;
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
                    throw new EmailSendException(EmailErrorKind.InvalidMessage, $"The {header.Field} header of the {where} contains a line break, which could inject another header.")
                    {
                        Hint = "Remove CR and LF characters from header values (subject, names, custom headers).",
                    };
                }
            }
        }
    }

    /// <summary>
    /// Writes the message once to count its bytes, which also proves every attachment can be read.
    /// Content that would put a bare CR or LF on the wire is re-encoded first (see <see cref="EncodeBareLineBreaks"/>).
    /// </summary>
    private static long Measure(MimeMessage message)
    {
        var (size, bareLineBreak) = Write(message);
        if (bareLineBreak)
        {
            EncodeBareLineBreaks(message);
            (size, bareLineBreak) = Write(message);
            if (bareLineBreak)
            {
                throw new EmailSendException(EmailErrorKind.InvalidMessage, "The message holds a CR or LF that is not part of a CRLF line break outside any re-encodable content (a preamble, epilogue or pre-encoded part); sent as is, it could smuggle SMTP commands.")
                {
                    Hint = "Use CRLF line breaks in multipart preambles and epilogues and in content you encode yourself.",
                };
            }
        }

        return size;
    }

    private static (long Size, bool BareLineBreak) Write(MimeMessage message)
    {
        using var counter = new LineBreakCheckingStream();
        try
        {
            message.WriteTo(WireFormat, counter);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            var culprit = message.BodyParts.OfType<MimePart>().FirstOrDefault(p => !CanRead(p));
            throw culprit is null
                ? new EmailSendException(EmailErrorKind.InvalidMessage, "The message could not be written: " + ex.Message, ex)
                : Unreadable(culprit, ex);
        }

        return (counter.Length, counter.HasBareLineBreak);
    }

    /// <summary>
    /// SMTP allows CR and LF only as a CRLF pair (RFC 5321, 2.3.8). MimeKit turns a bare LF into CRLF but passes a bare CR
    /// through, and receivers that end DATA at CR "." CR would read what follows as commands (SMTP smuggling).
    /// Quoted-printable (for text) or base64 carries such content unchanged, with only CRLF on the wire.
    /// </summary>
    private static void EncodeBareLineBreaks(MimeMessage message)
    {
        using var iterator = new MimeIterator(message);
        while (iterator.MoveNext())
        {
            if (iterator.Current is not MimePart part || !HasBareLineBreak(part))
            {
                continue;
            }

            part.ContentTransferEncoding = part is TextPart ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
            if (HasBareLineBreak(part))
            {
                part.ContentTransferEncoding = ContentEncoding.Base64;
            }
        }
    }

    private static bool HasBareLineBreak(MimePart part)
    {
        using var check = new LineBreakCheckingStream();
        part.WriteTo(WireFormat, check, contentOnly: true);
        return check.HasBareLineBreak;
    }

    private static bool CanRead(MimePart part)
    {
        try
        {
            part.WriteTo(WireFormat, Stream.Null);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            return false;
        }
    }

    private static EmailSendException Unreadable(MimePart part, Exception ex) =>
        new(EmailErrorKind.InvalidMessage, $"The attachment '{part.FileName ?? part.ContentType.MimeType}' could not be read: {ex.Message}", ex);

    /// <summary>Counts the bytes written and notes any CR or LF that is not part of a CRLF pair.</summary>
    private sealed class LineBreakCheckingStream : Stream
    {
        private long _length;
        private bool _pendingCr;
        private bool _bare;

        public bool HasBareLineBreak => _bare || _pendingCr;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _length += buffer.Length;
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
                    _bare = true;
                }
                else if (i + 1 == buffer.Length)
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

/// <summary>A validated message's envelope and size on the wire.</summary>
internal readonly record struct PreparedMessage(MailEnvelope Envelope, long Size);
