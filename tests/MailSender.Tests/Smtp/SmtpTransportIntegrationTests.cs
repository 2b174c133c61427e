using System.Text;
using MailSender.TestSupport;
using MimeKit;

namespace MailSender.Tests.Smtp;

/// <summary>
/// Delivery through <c>SmtpTransport</c>, driven as an application does (AddMailSender, IEmailSender), against servers on 127.0.0.1:
/// envelope, recipients, SIZE, SMTPUTF8, 8BITMIME and attachments.
/// </summary>
public class SmtpTransportIntegrationTests
{
    [Fact]
    public async Task SendAsync_PlainConnection_Delivers()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var message = TestMessages.Text("Plain delivery works.", "ann@example.com");

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(["ann@example.com"], result.AcceptedRecipients);
        Assert.Empty(result.RejectedRecipients);
        Assert.Equal("2.0.0 Ok: queued as INPROC1", result.ServerResponse);
        Assert.Equal($"smtp://127.0.0.1:{server.Port}?security=none", result.Transport);
        Assert.Equal(message.MessageId, result.MessageId);
        var stored = Assert.Single(server.Messages);
        Assert.False(stored.Secure);
        Assert.Equal(TestMessages.From, stored.From);
        Assert.Equal(["ann@example.com"], stored.To);
        var received = stored.Parse();
        Assert.Equal("Test message", received.Subject);
        Assert.Equal("Plain delivery works.", received.TextBody!.TrimEnd());
        Assert.Equal(message.MessageId, received.MessageId);
    }

    [Fact]
    public async Task SendAsync_SomeRecipientsRejected_ReportsThemAndDeliversToTheRest()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { RejectedRecipients = ["nobody@example.com"] });
        var message = TestMessages.Text("Mixed.", "ann@example.com", "nobody@example.com", "bob@example.com");

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(["ann@example.com", "bob@example.com"], result.AcceptedRecipients);
        Assert.False(result.AllRecipientsAccepted);
        var rejected = Assert.Single(result.RejectedRecipients);
        Assert.Equal("nobody@example.com", rejected.Address);
        Assert.Equal(550, rejected.StatusCode);
        Assert.Equal("5.1.1", rejected.EnhancedStatusCode);
        Assert.Contains("no such user", rejected.ServerText, StringComparison.Ordinal);
        Assert.False(rejected.IsTransient);
        var stored = Assert.Single(server.Messages);
        Assert.Equal(["ann@example.com", "bob@example.com"], stored.To);
    }

    [Fact]
    public async Task SendAsync_AllRecipientsRejected_ThrowsRecipientsRejected()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { RejectedRecipients = ["nobody@example.com", "gone@example.com"] });
        var message = TestMessages.Text("Nobody home.", "nobody@example.com", "gone@example.com");

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.Equal(550, error.StatusCode);
        Assert.Equal("5.1.1", error.EnhancedStatusCode);
        Assert.False(error.IsTransient);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.Equal(["nobody@example.com", "gone@example.com"], error.Recipients.Select(r => r.Address));
        Assert.All(error.Recipients, r => Assert.Equal(550, r.StatusCode));
        Assert.Contains("does not exist", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_MessageLargerThanAdvertisedSize_FailsBeforeMailFrom()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "SIZE 1000", "8BITMIME"] });
        var message = TestMessages.Text(new string('x', 5000));

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(EmailErrorKind.MessageTooLarge, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("larger than the server accepts", error.Hint, StringComparison.Ordinal);
        Assert.Single(server.CommandsStartingWith("EHLO"));
        Assert.Empty(server.CommandsStartingWith("MAIL"));
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_MessageLargerThanInProcessServerSize_StoresNothing()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { MaxMessageSize = 2000 });
        var message = TestMessages.Text(new string('y', 10_000));

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(EmailErrorKind.MessageTooLarge, error.Kind);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_MessageWithinAdvertisedSize_Delivers()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "SIZE 100000"] });

        var text = string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 70));

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text(text));

        var transaction = Assert.Single(server.Transactions);
        Assert.Contains(text, Encoding.ASCII.GetString(transaction.Data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_BccRecipient_IsInTheEnvelopeOnly()
    {
        await using var server = ScriptedSmtpServer.Start();
        var message = TestMessages.Text("Blind copy.", "ann@example.com");
        message.Cc.Add(MailboxAddress.Parse("carl@example.com"));
        message.Bcc.Add(new MailboxAddress("Hidden Person", "hidden@example.com"));

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(["ann@example.com", "carl@example.com", "hidden@example.com"], result.AcceptedRecipients);
        Assert.Equal(
            ["RCPT TO:<ann@example.com>", "RCPT TO:<carl@example.com>", "RCPT TO:<hidden@example.com>"],
            server.CommandsStartingWith("RCPT"));
        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(["ann@example.com", "carl@example.com", "hidden@example.com"], transaction.Recipients);
        var wire = Encoding.UTF8.GetString(transaction.RawData);
        Assert.DoesNotContain("Bcc:", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hidden", wire, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Cc: carl@example.com\r\n", wire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_NonAsciiLocalPartToSmtpUtf8Server_DeliversWithSmtpUtf8()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME", "SMTPUTF8"] });
        var message = TestMessages.Text("Hallo Jörg.", "jörg@example.com");

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(["jörg@example.com"], result.AcceptedRecipients);
        var mail = Assert.Single(server.CommandsStartingWith("MAIL"));
        Assert.Contains(" SMTPUTF8", mail, StringComparison.Ordinal);
        Assert.Equal(["RCPT TO:<jörg@example.com>"], server.CommandsStartingWith("RCPT"));
        var received = Assert.Single(server.Transactions).Parse();
        Assert.Equal("jörg@example.com", Assert.Single(received.To.Mailboxes).Address);
    }

    [Fact]
    public async Task SendAsync_NonAsciiLocalPartToServerWithoutSmtpUtf8_FailsBeforeMailFrom()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME"] });
        var message = TestMessages.Text("Hallo Jörg.", "jörg@example.com");

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        Assert.Equal(EmailErrorKind.UnsupportedByServer, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("jörg@example.com", error.Message, StringComparison.Ordinal);
        Assert.Contains("SMTPUTF8", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task SendAsync_NonAsciiLocalPartToInProcessServer_Delivers()
    {
        // SmtpServer 11 advertises SMTPUTF8 (its README predates that), so a real peer accepts the address.
        await using var server = await InProcessSmtpServer.StartAsync();

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text("Hallo.", "jörg@example.com"));

        Assert.Equal(["jörg@example.com"], result.AcceptedRecipients);
        Assert.Equal(["jörg@example.com"], Assert.Single(server.Messages).To);
    }

    [Fact]
    public async Task SendAsync_EightBitUtf8BodyTo8BitMimeServer_ArrivesIntact()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME"] });
        const string text = "Grüße aus Köln – 東京 – Ωμέγα ✓\r\nZweite Zeile: äöüß\r\n";
        var message = TestMessages.Text(text);
        ((MimePart)message.Body!).ContentTransferEncoding = ContentEncoding.EightBit;

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        var transaction = Assert.Single(server.Transactions);
        Assert.EndsWith(" BODY=8BITMIME", transaction.MailCommand, StringComparison.Ordinal);
        var wire = Encoding.UTF8.GetString(transaction.RawData);
        Assert.Contains("Content-Transfer-Encoding: 8bit\r\n", wire, StringComparison.Ordinal);
        Assert.Contains(text, wire, StringComparison.Ordinal);
        Assert.Equal(Lf(text), Lf(transaction.Parse().TextBody));
    }

    [Fact]
    public async Task SendAsync_EightBitBodyToServerWithout8BitMime_IsSentAsSevenBitAndArrivesIntact()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING"] });
        const string text = "Grüße – 東京 ✓\r\n";
        var message = TestMessages.Text(text);
        ((MimePart)message.Body!).ContentTransferEncoding = ContentEncoding.EightBit;

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        var transaction = Assert.Single(server.Transactions);
        Assert.DoesNotContain("BODY=8BITMIME", transaction.MailCommand, StringComparison.Ordinal);
        Assert.All(transaction.RawData, b => Assert.True(b < 0x80, $"8-bit byte 0x{b:X2} sent to a server without 8BITMIME"));
        Assert.Equal(Lf(text), Lf(transaction.Parse().TextBody));
    }

    [Fact]
    public async Task SendAsync_BinaryAttachment_ArrivesByteIdentical()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var bytes = new byte[300 * 1024];
        new Random(20240601).NextBytes(bytes);
        var message = TestMessages.Text();
        var body = new BodyBuilder { TextBody = "See the attachment." };
        body.Attachments.Add("random.bin", bytes, ContentType.Parse("application/octet-stream"));
        message.Body = body.ToMessageBody();

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), message);

        var received = Assert.Single(server.Messages).Parse();
        var attachment = Assert.IsType<MimePart>(Assert.Single(received.Attachments));
        Assert.Equal("random.bin", attachment.FileName);
        using var decoded = new MemoryStream();
        attachment.Content!.DecodeTo(decoded);
        Assert.Equal(bytes.Length, decoded.Length);
        Assert.True(bytes.AsSpan().SequenceEqual(decoded.ToArray()), "the attachment changed on the way");
    }

    private static string Lf(string? text) => (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal);
}
