using MimeKit;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>Messages whose Message-Id carries a token unique to the test, so the test finds its own deliveries in the shared Maildir.</summary>
internal static class TestMessage
{
    /// <summary>Returns a new token: 32 hex digits.</summary>
    public static string NewToken() => Guid.NewGuid().ToString("N");

    /// <summary>A plain-text message to <paramref name="to"/> with Message-Id <c>TOKEN@mailsender.test</c> and the token in the subject.</summary>
    public static MimeMessage Text(string token, params string[] to)
    {
        var message = new MimeMessage { MessageId = token + "@mailsender.test", Subject = "Real-peer test " + token };
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Body = new TextPart("plain") { Text = "Hello from the real-peer suite.\n" };
        return message;
    }
}
