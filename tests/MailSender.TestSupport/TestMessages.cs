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

    /// <summary>
    /// A delivery status notification (RFC 3464) as a mail server writes it: <paramref name="recipient"/> failed for good
    /// (5.1.1, "550 5.1.1 no such user"), with the headers of the message <paramref name="messageId"/> returned.
    /// </summary>
    public static string HardBounce(string messageId, string recipient, string originalFrom = "news@example.com") => $"""
        From: MAILER-DAEMON@mx.example.com
        To: {originalFrom}
        Subject: Undelivered Mail Returned to Sender
        Message-Id: <{Guid.NewGuid():N}@mx.example.com>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

        --B1
        Content-Type: text/plain

        Your message could not be delivered.

        --B1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.com

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: smtp; 550 5.1.1 no such user

        --B1
        Content-Type: text/rfc822-headers

        From: {originalFrom}
        To: {recipient}
        Subject: Hello
        Message-ID: <{messageId}>

        --B1--
        """.ReplaceLineEndings("\r\n");
}
