using MimeKit;

namespace MailSender.TestSupport;

/// <summary>Messages for transport tests.</summary>
public static class TestMessages
{
    public const string From = "sender@example.com";

    /// <summary>A plain-text message from <see cref="From"/> to the given recipients.</summary>
    public static MimeMessage Text(string text = "Hello from the tests.", params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", From));
        foreach (var address in to.Length == 0 ? ["rcpt@example.com"] : to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = "Test message";
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    /// <summary>A plain-text message whose subject (and body, "Body of <paramref name="subject"/>.") tells it apart from the test's other messages.</summary>
    public static MimeMessage WithSubject(string subject, params string[] to)
    {
        var message = Text($"Body of {subject}.", to);
        message.Subject = subject;
        return message;
    }

    /// <summary>A message whose text body is given as raw bytes with an explicit transfer encoding, bypassing MimeKit's text handling.</summary>
    public static MimeMessage RawBody(byte[] body, ContentEncoding encoding, string to = "rcpt@example.com")
    {
        var message = Text(to: to);
        var part = new TextPart("plain")
        {
            Content = new MimeContent(new MemoryStream(body, writable: false), encoding),
            ContentTransferEncoding = encoding,
        };
        part.ContentType.Charset = "utf-8";
        message.Body = part;
        return message;
    }
}
