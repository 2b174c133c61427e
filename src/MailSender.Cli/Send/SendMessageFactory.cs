using MimeKit;

namespace MailSender.Cli.Send;

/// <summary>Builds the message from the <c>send</c> arguments, reading every file eagerly.</summary>
internal static class SendMessageFactory
{
    /// <summary>Creates the message; throws <see cref="UsageException"/> naming the first bad address or unreadable file.</summary>
    public static MimeMessage Create(SendArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var message = new MimeMessage();
        if (arguments.From is not null)
        {
            message.From.Add(AddressArguments.ParseMailbox(arguments.From, "--from"));
        }

        AddAll(message.To, arguments.To, "--to");
        AddAll(message.Cc, arguments.Cc, "--cc");
        AddAll(message.Bcc, arguments.Bcc, "--bcc");
        message.Subject = arguments.Subject;

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

    private static void AddAll(InternetAddressList target, IReadOnlyList<string> values, string option)
    {
        foreach (var value in values)
        {
            target.AddRange(AddressArguments.ParseList(value, option));
        }
    }
}
