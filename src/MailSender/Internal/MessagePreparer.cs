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

        if (string.IsNullOrEmpty(message.MessageId))
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

    /// <summary>Writes the message once to count its bytes, which also proves every attachment can be read.</summary>
    private static long Measure(MimeMessage message)
    {
        using var counter = new MeasuringStream();
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

        return counter.Length;
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
}

/// <summary>A validated message's envelope and size on the wire.</summary>
internal readonly record struct PreparedMessage(MailEnvelope Envelope, long Size);
