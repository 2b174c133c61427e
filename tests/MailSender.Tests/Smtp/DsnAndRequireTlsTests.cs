using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailSender.Tests.Smtp;

/// <summary>DSN requests (RFC 3461) and REQUIRETLS (RFC 8689) on the wire, through the one SMTP engine.</summary>
public sealed class DsnAndRequireTlsTests
{
    private static readonly string[] WithDsn = ["PIPELINING", "8BITMIME", "DSN"];

    [Fact]
    public async Task Dsn_OfferedByTheServer_WritesRetEnvidNotifyAndOrcpt_InOneRoundTrip()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = WithDsn });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"));
        var message = TestMessages.Text("Hello.", "ann+news@example.com", "bob@example.com");
        var envelope = new MailEnvelope(MailboxAddress.Parse("bounces@example.com"), [.. message.To.Mailboxes])
        {
            DeliveryStatus = new DeliveryStatusNotification { Notify = DsnNotify.Success | DsnNotify.Failure, Return = DsnReturn.Headers, EnvelopeId = "order=42+x" },
        };

        await host.Sender.SendAsync(message, envelope);

        Assert.Equal("MAIL FROM:<bounces@example.com> RET=HDRS ENVID=order+3D42+2Bx", Assert.Single(server.CommandsStartingWith("MAIL")));
        Assert.Equal(
            ["RCPT TO:<ann+news@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ann+2Bnews@example.com", "RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com"],
            server.CommandsStartingWith("RCPT"));
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task Dsn_Never_IsWrittenAlone()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = WithDsn });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"));
        var message = TestMessages.Text("Hello.", "ann@example.com");

        await host.Sender.SendAsync(message, Envelope(message, new DeliveryStatusNotification { Notify = DsnNotify.Never }));

        Assert.Equal("MAIL FROM:<sender@example.com>", Assert.Single(server.CommandsStartingWith("MAIL")));
        Assert.Equal(["RCPT TO:<ann@example.com> NOTIFY=NEVER ORCPT=rfc822;ann@example.com"], server.CommandsStartingWith("RCPT"));
    }

    [Fact]
    public async Task Dsn_NotOffered_ByDefault_SendsWithoutAndLogsAWarning()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME"] });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"), build: b => b.Services.AddLogging(l => l.AddProvider(logs)));
        var message = TestMessages.Text("Hello.", "ann@example.com");

        await host.Sender.SendAsync(message, Envelope(message, new DeliveryStatusNotification { EnvelopeId = "x1" }));

        Assert.Equal("MAIL FROM:<sender@example.com>", Assert.Single(server.CommandsStartingWith("MAIL")));
        Assert.Equal(["RCPT TO:<ann@example.com>"], server.CommandsStartingWith("RCPT"));
        Assert.Contains(logs.Events, e => e.Id == 122 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task Dsn_NotOffered_WithRequireSupport_FailsBeforeMailFrom()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME"] });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"));
        var message = TestMessages.Text("Hello.", "ann@example.com");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(message, Envelope(message, new DeliveryStatusNotification { RequireSupport = true })));

        Assert.Equal(EmailErrorKind.UnsupportedByServer, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("does not offer DSN", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(5, null)]
    [InlineData(4, "has space")]
    [InlineData(4, "é")]
    public async Task Dsn_InvalidRequest_IsRefusedUpFront(int notify, string? envelopeId)
    {
        await using var host = MailSenderHost.Create("pickup:" + Path.Combine(Path.GetTempPath(), "unused-" + Guid.NewGuid().ToString("N")));
        var message = TestMessages.Text("Hello.", "ann@example.com");

        await Assert.ThrowsAsync<ArgumentException>(() => host.Sender.SendAsync(message, Envelope(message, new DeliveryStatusNotification { Notify = (DsnNotify)notify, EnvelopeId = envelopeId })));
    }

    [Fact]
    public async Task RequireTls_OverTlsToAServerThatOffersIt_AddsTheParameter()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME", "REQUIRETLS"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=starttls"), o => o.Smtp.Tls.TrustedCaFile = TestCertificates.AuthorityPemFile);
        var message = TestMessages.Text("Hello.", "ann@example.com");

        await host.Sender.SendAsync(message, Envelope(message, null, requireTls: true));

        Assert.Equal("MAIL FROM:<sender@example.com> REQUIRETLS", Assert.Single(server.CommandsStartingWith("MAIL")));
    }

    [Fact]
    public async Task RequireTls_ServerWithoutIt_IsRefusedBeforeMailFrom_NamingWhy()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=starttls"), o => o.Smtp.Tls.TrustedCaFile = TestCertificates.AuthorityPemFile);
        var message = TestMessages.Text("Hello.", "ann@example.com");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(message, Envelope(message, null, requireTls: true)));

        Assert.Equal(EmailErrorKind.UnsupportedByServer, error.Kind);
        Assert.Contains("does not advertise REQUIRETLS", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task RequireTls_OverPlainText_IsRefused_EvenIfTheServerClaimsIt()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "REQUIRETLS"] });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"));
        var message = TestMessages.Text("Hello.", "ann@example.com");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(message, Envelope(message, null, requireTls: true)));

        Assert.Contains("the connection is not encrypted", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task EnvelopeOverload_OnASenderThatIsNotMailSenders_SaysSo()
    {
        var message = TestMessages.Text("Hello.", "ann@example.com");

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => new Elsewhere().SendAsync(message, Envelope(message, null)));

        Assert.Contains("AddMailSender", error.Message, StringComparison.Ordinal);
    }

    private static MailEnvelope Envelope(MimeMessage message, DeliveryStatusNotification? dsn, bool requireTls = false) =>
        new(MailboxAddress.Parse("sender@example.com"), [.. message.To.Mailboxes]) { DeliveryStatus = dsn, RequireTls = requireTls };

    private sealed class Elsewhere : IEmailSender
    {
        public Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) => throw new InvalidOperationException();
    }
}
