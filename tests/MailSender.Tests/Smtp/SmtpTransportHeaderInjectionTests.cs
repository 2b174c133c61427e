using System.Text;
using MailSender.TestSupport;
using MimeKit;

namespace MailSender.Tests.Smtp;

/// <summary>
/// Header and envelope injection end to end: CR LF in a subject, a display name, an address or a raw header value
/// must never add a recipient or a header. Either the message fails as InvalidMessage before any connection,
/// or the line break is neutralised before it reaches the wire; each test pins down which.
/// </summary>
public class SmtpTransportHeaderInjectionTests
{
    private const string Injection = "\r\nBcc: evil@example.com";

    [Fact]
    public async Task SendAsync_SubjectWithCrLfBcc_IsFlattenedAndAddsNoRecipient()
    {
        // MimeKit drops CR and LF when it encodes a Subject set through the property, so no second header can start.
        await using var server = ScriptedSmtpServer.Start();
        var message = TestMessages.Text();
        message.Subject = "Hello" + Injection;

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        AssertNoInjection(server);
        var received = Assert.Single(server.Transactions).Parse();
        Assert.Equal("HelloBcc: evil@example.com", received.Subject);
    }

    [Fact]
    public async Task SendAsync_CustomHeaderWithCrLfBcc_IsFlattenedAndAddsNoRecipient()
    {
        await using var server = ScriptedSmtpServer.Start();
        var message = TestMessages.Text();
        message.Headers.Add("X-Note", "note" + Injection);

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        AssertNoInjection(server);
        Assert.Equal("noteBcc: evil@example.com", Assert.Single(server.Transactions).Parse().Headers["X-Note"]);
    }

    [Theory]
    [InlineData("to")]
    [InlineData("cc")]
    [InlineData("bcc")]
    [InlineData("from")]
    [InlineData("reply-to")]
    public async Task SendAsync_DisplayNameWithCrLfBcc_FailsBeforeConnecting(string field)
    {
        await using var server = ScriptedSmtpServer.Start();
        var message = TestMessages.Text();
        var mailbox = new MailboxAddress("Ann" + Injection, "ann@example.com");
        var list = field switch
        {
            "to" => message.To,
            "cc" => message.Cc,
            "bcc" => message.Bcc,
            "reply-to" => message.ReplyTo,
            _ => message.From,
        };
        if (field == "from")
        {
            list.Clear();
        }

        list.Add(mailbox);

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(EmailErrorKind.InvalidMessage, error.Kind);
        Assert.Contains("line break", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_AddressStringWithCrLfCommand_FailsBeforeConnecting()
    {
        const string to = "ann@example.com\r\nRCPT TO:<evil@example.com>";
        await using var server = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(to, "Subject", "Text"));

        Assert.Equal(EmailErrorKind.InvalidMessage, error.Kind);
        Assert.Contains("line break", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.ConnectionCount);

        // The other way in, a MailboxAddress, is closed by MimeKit itself: it refuses control characters in an address.
        Assert.Throws<ParseException>(() => new MailboxAddress("Ann", "\"ann\r\nRCPT TO:<evil@example.com>\"@example.com"));
    }

    [Fact]
    public async Task SendAsync_RawHeaderValueWithLineBreak_FailsBeforeConnecting()
    {
        await using var server = ScriptedSmtpServer.Start();
        var message = TestMessages.Text();
        var header = new Header("X-Raw", "placeholder");
        header.SetRawValue(Encoding.ASCII.GetBytes(" value" + Injection + "\r\n"));
        message.Headers.Add(header);

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(EmailErrorKind.InvalidMessage, error.Kind);
        Assert.Contains("X-Raw", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.ConnectionCount);
    }

    private static void AssertNoInjection(ScriptedSmtpServer server)
    {
        Assert.Equal(["RCPT TO:<rcpt@example.com>"], server.CommandsStartingWith("RCPT"));
        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(["rcpt@example.com"], transaction.Recipients);
        var wire = Encoding.UTF8.GetString(transaction.RawData);
        var headerSection = wire[..wire.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.DoesNotContain("\r\nBcc:", "\r\n" + headerSection, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(transaction.Parse().Bcc);
    }
}
