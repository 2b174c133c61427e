using System.Diagnostics;
using MailSender.TestSupport;
using MimeKit;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>
/// What a caller sees when the network or the server fails, end to end: the error kind, codes, hint,
/// and whether the message may already have been accepted (so resending could duplicate it).
/// </summary>
public class SmtpErrorMapperIntegrationTests
{
    [Fact]
    public async Task SendAsync_ConnectionRefused_FailsWithConnectionFailedHint()
    {
        var port = LoopbackPorts.Closed();
        var watch = Stopwatch.StartNew();

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.ConnectionFailed, error.Kind);
        Assert.True(error.IsTransient);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.Contains("refused the connection", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Nothing is listening on port {port}", error.Hint, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task SendAsync_GreetingSlowerThanConnectTimeout_TimesOutQuickly()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { GreetingDelay = TimeSpan.FromSeconds(30) });
        var watch = Stopwatch.StartNew();

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none&connectTimeout=1s"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.Timeout, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("did not answer in time", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        Assert.Empty(server.Commands);
    }

    [Fact]
    public async Task SendAsync_SenderRefused_FailsAsSenderRejected()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { MailReply = "553 5.7.1 <sender@example.com>: Sender address rejected: not owned by user" });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.SenderRejected, error.Kind);
        Assert.Equal(553, error.StatusCode);
        Assert.Equal("5.7.1", error.EnhancedStatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("sender address is not allowed", error.Hint, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_Server554AfterFinalDot_IsMessageRejectedNotUncertain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { DataReply = "554 5.7.1 Message rejected as spam" });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.MessageRejected, error.Kind);
        Assert.Equal(554, error.StatusCode);
        Assert.Equal("5.7.1", error.EnhancedStatusCode);
        Assert.Equal("5.7.1 Message rejected as spam", error.ServerText);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.False(error.IsTransient);
        Assert.Contains("by policy", error.Hint, StringComparison.Ordinal);
        Assert.Contains("message transfer (DATA)", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_Server451AfterFinalDot_IsTransient()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { DataReply = "451 4.3.0 Temporary queue failure" });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.ServerBusy, error.Kind);
        Assert.Equal(451, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.False(error.MayHaveBeenAccepted);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedAfterFinalDot_IsDeliveryUncertain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseAfterFinalDot });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.DeliveryUncertain, error.Kind);
        Assert.Contains("failed after the whole message was sent, before the server replied: it may have been accepted", error.Message, StringComparison.Ordinal);
        Assert.True(error.MayHaveBeenAccepted);
        Assert.False(error.IsTransient);
        Assert.Contains("not sent again automatically", error.Hint, StringComparison.Ordinal);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_ConnectionResetDuringData_IsNotUncertain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseDuringData, FaultAfterDataBytes = 16 * 1024 });

        // Far larger than the socket buffers, so the client is still writing when the reset arrives.
        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), LargeMessage(6 * 1024 * 1024));

        Assert.NotEqual(EmailErrorKind.DeliveryUncertain, error.Kind);
        Assert.Equal(EmailErrorKind.ConnectionFailed, error.Kind);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.True(error.IsTransient);
        Assert.Contains("message transfer (DATA)", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_ConnectionClosedAfterGreeting_IsTransientProtocolError()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseAfterGreeting });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.ProtocolError, error.Kind);
        Assert.True(error.IsTransient);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.Contains("connection and greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ConnectionClosedAfterRcpt_IsTransientAndNotUncertain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseAfterRcpt });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.ProtocolError, error.Kind);
        Assert.True(error.IsTransient);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.Contains("envelope", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_EveryRecipientDeferredWith4xx_IsTransientRecipientsRejectedNamingEach()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReply = "450 4.2.1 Mailbox busy" });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text(to: ["a@example.com", "b@example.com"]));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal((450, "4.2.1"), (error.StatusCode, error.EnhancedStatusCode));
        Assert.Contains("4.2.1 Mailbox busy", error.ServerText, StringComparison.Ordinal);
        Assert.Equal(["a@example.com", "b@example.com"], error.Recipients.Select(r => r.Address));
        Assert.Contains("refused every recipient: a@example.com (450 ", error.Message, StringComparison.Ordinal);
        Assert.Contains("; b@example.com (450 ", error.Message, StringComparison.Ordinal);
        Assert.Contains("temporary failure", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_EveryRecipientRefusedSomePermanently_IsPermanentWithTheFirstReply()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            RecipientReplies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["a@example.com"] = "550 5.1.1 No such user",
                ["b@example.com"] = "450 4.2.1 Mailbox busy",
            },
        });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text(to: ["a@example.com", "b@example.com"]));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal((550, "5.1.1"), (error.StatusCode, error.EnhancedStatusCode));
        Assert.Equal([550, 450], error.Recipients.Select(r => r.StatusCode));
        Assert.Contains("does not exist", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_AuthReplyEchoingThePassword_IsRedactedEverywhere()
    {
        const string Password = "Secr3tPw-echoed";
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "ENHANCEDSTATUSCODES", "AUTH PLAIN"],
            AuthReply = $"535 5.7.8 Authentication failed for password {Password}",
        });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none&allowInsecureAuth=true", "user", Password), TestMessages.Text());

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("Authentication failed for password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ServerText ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.InnerException?.Message ?? string.Empty, StringComparison.Ordinal);
    }

    private static MimeMessage LargeMessage(int attachmentBytes)
    {
        var bytes = new byte[attachmentBytes];
        new Random(7).NextBytes(bytes);
        var message = TestMessages.Text();
        var body = new BodyBuilder { TextBody = "Large." };
        body.Attachments.Add("large.bin", bytes);
        message.Body = body.ToMessageBody();
        return message;
    }
}
