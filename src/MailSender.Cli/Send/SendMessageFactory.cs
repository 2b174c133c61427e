using MimeKit;

namespace MailSender.Cli.Send;

/// <summary>Builds the message from the <c>send</c> arguments, reading every file eagerly.</summary>
internal static class SendMessageFactory
{
    /// <summary>Creates the message; throws <see cref="UsageException"/> naming the first bad address or unreadable file.</summary>
    /// <param name="arguments">The command line's values.</param>
    /// <param name="rendered">
    /// The message <c>--template</c> rendered, or <see langword="null"/>: its subject and body stand in for <c>--subject</c>,
    /// <c>--text</c> and <c>--html-file</c>, and it gets the addresses and attachments.
    /// </param>
    public static MimeMessage Create(SendArguments arguments, MimeMessage? rendered = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var message = rendered ?? new MimeMessage();
        if (arguments.From is not null)
        {
            message.From.Add(AddressArguments.ParseMailbox(arguments.From, "--from"));
        }

        AddAll(message.To, arguments.To, "--to");
        AddAll(message.Cc, arguments.Cc, "--cc");
        AddAll(message.Bcc, arguments.Bcc, "--bcc");
        if (rendered is not null)
        {
            AttachAround(rendered, arguments.Attachments);
            return rendered;
        }

        message.Subject = arguments.Subject ?? string.Empty;

        var body = new BodyBuilder
        {
            TextBody = arguments.TextFile is null ? arguments.Text : FileArguments.ReadText(arguments.TextFile, "--text-file"),
            HtmlBody = arguments.HtmlFile is null ? null : FileArguments.ReadText(arguments.HtmlFile, "--html-file"),
        };
        foreach (var path in arguments.Attachments)
        {
            // Read now rather than stream at send time: a missing file must fail before the transport is touched.
            body.Attachments.Add(Path.GetFileName(path), FileArguments.ReadBytes(path, "--attach"));
        }

        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>Puts the rendered body and the attachments in a multipart/mixed, as <see cref="BodyBuilder"/> does for a message of its own.</summary>
    private static void AttachAround(MimeMessage message, IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            return;
        }

        // BodyBuilder makes each attachment as it would for --text (type from the extension, base64); the body stays the template's.
        var attachments = new BodyBuilder().Attachments;
        var mixed = new Multipart("mixed");
        if (message.Body is not null)
        {
            mixed.Add(message.Body);
        }

        foreach (var path in paths)
        {
            mixed.Add(attachments.Add(Path.GetFileName(path), FileArguments.ReadBytes(path, "--attach")));
        }

        message.Body = mixed;
    }

    private static void AddAll(InternetAddressList target, IReadOnlyList<string> values, string option)
    {
        foreach (var value in values)
        {
            target.AddRange(AddressArguments.ParseList(value, option));
        }
    }
}
