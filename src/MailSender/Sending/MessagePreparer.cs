using MimeKit;
using MimeKit.Utils;

using MailSender.Internal;

namespace MailSender.Sending;

/// <summary>
/// Checks a message and builds its envelope before any network I/O, so a bad message fails
/// with a clear error and is never sent half-way.
/// </summary>
internal static class MessagePreparer
{
    private static readonly string MachineIdSuffix = "@" + MimeUtils.GenerateMessageId().Split('@')[^1];

    /// <summary>Fills in defaults (From, Message-Id), validates the message and returns its envelope.</summary>
    /// <exception cref="EmailSendException">The message is invalid (<see cref="EmailErrorKind.InvalidMessage"/>): the text says what and where.</exception>
    /// <param name="message">The message; From and Message-Id are filled in when missing.</param>
    /// <param name="defaultFrom">The sender of messages without From.</param>
    /// <param name="envelope">
    /// The envelope to send to instead of the headers' recipients (the outbox's stored envelope, which keeps the Bcc
    /// recipients that the stored message no longer names); its addresses are checked, and the headers may then name none.
    /// </param>
    public static MailEnvelope Prepare(MimeMessage message, MailboxAddress? defaultFrom, MailEnvelope? envelope = null)
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
        if (recipients.Count == 0 && envelope is null)
        {
            throw new EmailSendException(EmailErrorKind.InvalidMessage, "The message has no recipient: add at least one To, Cc or Bcc address.");
        }

        if (envelope is not null)
        {
            AddressParser.Check(envelope.Sender, "envelope sender");
            foreach (var recipient in envelope.Recipients)
            {
                AddressParser.Check(recipient, "envelope recipient");
            }
        }

        // MimeMessage's constructor makes an id with this machine's host name, which leaks it and hurts spam scores;
        // an id in the sender's domain is what receivers expect.
        if (string.IsNullOrEmpty(message.MessageId) || message.MessageId.EndsWith(MachineIdSuffix, StringComparison.OrdinalIgnoreCase))
        {
            message.MessageId = MimeUtils.GenerateMessageId(sender.Domain);
        }

        CheckEntities(message);
        return envelope ?? new MailEnvelope(sender, recipients);
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
    /// </summary>
    private static void CheckEntities(MimeMessage message)
    {
        CheckHeaders(message.Headers, inBody: false);
        if (message.Body is not null)
        {
            CheckEntity(message.Body);
        }
    }

    private static void CheckEntity(MimeEntity entity)
    {
        CheckHeaders(entity.Headers, inBody: true);
        switch (entity)
        {
            case Multipart multipart:
                if (!string.IsNullOrEmpty(multipart.Preamble) || !string.IsNullOrEmpty(multipart.Epilogue))
                {
                    CheckPreambleAndEpilogue(multipart);
                }

                for (var i = 0; i < multipart.Count; i++)
                {
                    CheckEntity(multipart[i]);
                }

                break;
            case MessagePart { Message: { } inner }:
                CheckHeaders(inner.Headers, inBody: true);
                if (inner.Body is not null)
                {
                    CheckEntity(inner.Body);
                }

                break;
            case MimePart { Content: { } content } part:
                CheckContent(part, content);
                break;
        }
    }

    /// <summary>
    /// SMTP allows CR and LF only as a CRLF pair (RFC 5321, 2.3.8). MimeKit turns a bare LF into CRLF but passes a bare CR
    /// through, and receivers that end DATA at CR "." CR would read what follows as commands (SMTP smuggling).
    /// Content a base64 or quoted-printable encoder writes is safe; content written as is (7bit, 8bit, binary, or already
    /// in its transfer encoding) is checked, and re-encoded when it holds a bare line break: quoted-printable for text, else base64.
    /// </summary>
    private static void CheckContent(MimePart part, IMimeContent content)
    {
        var stream = content.Stream!;
        if (stream is null || !stream.CanRead)
        {
            throw Unreadable(part, new IOException("the content stream cannot be read"));
        }

        try
        {
            var encoding = part.ContentTransferEncoding;
            if (encoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode && content.Encoding != encoding)
            {
                return;
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
        multipart.WriteTo(WireFormat.Options, check, contentOnly: true);
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
    /// such a value would start a new header, such as a forged Bcc.
    /// </summary>
    private static void CheckHeaders(HeaderList headers, bool inBody)
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
                    var where = inBody ? "body" : "message";
                    throw new EmailSendException(EmailErrorKind.InvalidMessage, $"The {header.Field} header of the {where} contains a line break, which could inject another header.")
                    {
                        Hint = "Remove CR and LF characters from header values (subject, names, custom headers).",
                    };
                }
            }
        }
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
            part.WriteTo(WireFormat.Options, check, contentOnly: true);
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
}
