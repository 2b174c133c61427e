using System.Runtime.CompilerServices;
using MailSender.Smtp;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>
/// The SMTP transport with detection (no port, security=auto), STARTTLS downgrade protection, VerifyAsync and the
/// health check, end to end through AddMailSender against servers on 127.0.0.1.
/// </summary>
public class SmtpTransportDetectionTests
{
    private const string User = "mailer@example.com";
    private const string Password = "Corr3ct-H0rse:B@ttery";

    [Fact]
    public async Task SendAsync_NoPortAndAuto_DetectsImplicitTlsAndSendsThere()
    {
        await using var startTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });
        await using var implicitTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit, UserName = User, Password = Password });
        await using var host = MailSenderHost.Create(NoPortUri(), o =>
        {
            o.UserName = User;
            o.Password = Password;
            o.Smtp.Detection.Ports = [startTls.Port, implicitTls.Port];
        });

        var first = await host.Sender.SendAsync(TestMessages.Text());
        var second = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, implicitTls.Messages.Count);
        Assert.All(implicitTls.Messages, m => Assert.True(m.Secure));
        Assert.Empty(startTls.Messages);
        Assert.Equal("smtp://mailer%40example.com@127.0.0.1?security=auto", first.Transport);
        Assert.DoesNotContain(Password, first.Transport, StringComparison.Ordinal);
        Assert.Equal(first.Transport, second.Transport);
    }

    [Fact]
    public async Task SendAsync_NoPortWithOAuth_DetectsTheTlsEndpointAndAuthenticatesWithTheToken()
    {
        // The probes have no token to check: they must not fail for a missing password, nor pick the plain-text port.
        await using var plain = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"] });
        await using var oauth = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new Protocol.CountingTokenProvider();
        await using var host = MailSenderHost.Create(NoPortUri(), o =>
        {
            o.UserName = User;
            o.Smtp.Detection.Ports = [plain.Port, oauth.Port];
            o.Smtp.Detection.ProbeTimeout = TimeSpan.FromSeconds(3);
        }, build: b => b.UseAccessTokenProvider(_ => tokens));

        await host.Sender.SendAsync(TestMessages.Text());

        Assert.Single(oauth.Transactions);
        Assert.StartsWith("AUTH XOAUTH2 ", Assert.Single(oauth.CommandsStartingWith("AUTH")), StringComparison.Ordinal);
        Assert.Single(tokens.Requests);
        Assert.Empty(plain.CommandsStartingWith("AUTH"));
        Assert.Empty(plain.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task SendAsync_NoPortAndNothingUsable_FailsWithTheMostTellingAttempt()
    {
        await using var plain = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH PLAIN"] });
        await using var host = MailSenderHost.Create(NoPortUri(), o =>
        {
            o.UserName = User;
            o.Password = Password;
            o.Smtp.Detection.Ports = [plain.Port];
            o.Smtp.Detection.ProbeTimeout = TimeSpan.FromSeconds(3);
        });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("No usable SMTP endpoint", error.Message, StringComparison.Ordinal);
        Assert.Equal(SmtpHints.StartTlsNotOffered, error.Hint);
        Assert.Empty(plain.CommandsStartingWith("AUTH"));
        Assert.Empty(plain.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task SendAsync_StartTlsStrippedOnALaterConnection_FailsAndWritesNoAuth()
    {
        // Regression guard for issue 5: a middlebox that removes STARTTLS must not turn into a plain-text login.
        var stripping = new StrongBox<bool>(false);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "AUTH PLAIN LOGIN"],
            Certificate = TestCertificates.Server,
            OfferStartTlsOn = _ => !Volatile.Read(ref stripping.Value),
        });
        var uri = TestTransports.Smtp(server.Port, TestTransports.CaFile + "&maxMessagesPerConnection=1", User, Password);
        await using var host = MailSenderHost.Create(uri);

        await host.Sender.SendAsync(TestMessages.Text());
        Volatile.Write(ref stripping.Value, true);
        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("STARTTLS stripping", error.Message, StringComparison.Ordinal);
        Assert.Equal(SmtpHints.StartTlsStripped, error.Hint);
        Assert.False(error.IsTransient);
        Assert.Single(server.Transactions);
        var later = server.Connections.Skip(1).ToArray();
        Assert.NotEmpty(later);
        Assert.All(later, c => Assert.DoesNotContain(c.Commands, line => line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) || line.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase)));
        Assert.Single(server.CommandsStartingWith("AUTH"));
    }

    [Fact]
    public async Task SendAsync_StartTlsStrippedWithoutCredentials_FailsInsteadOfSendingInClear()
    {
        var stripping = new StrongBox<bool>(false);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Certificate = TestCertificates.Server, OfferStartTlsOn = _ => !Volatile.Read(ref stripping.Value) });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, TestTransports.CaFile + "&maxMessagesPerConnection=1"));

        await host.Sender.SendAsync(TestMessages.Text());
        Volatile.Write(ref stripping.Value, true);
        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_DetectedStartTlsEndpointStripped_FailsAsDowngradeAndWritesNoAuth()
    {
        var stripping = new StrongBox<bool>(false);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "AUTH PLAIN LOGIN"],
            Certificate = TestCertificates.Server,
            OfferStartTlsOn = _ => !Volatile.Read(ref stripping.Value),
        });
        await using var host = MailSenderHost.Create(NoPortUri() + "&maxMessagesPerConnection=1", o =>
        {
            o.UserName = User;
            o.Password = Password;
            o.Smtp.Detection.Ports = [server.Port];
        });

        await host.Sender.SendAsync(TestMessages.Text());
        var authBefore = server.CommandsStartingWith("AUTH").Count;
        Volatile.Write(ref stripping.Value, true);
        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Equal(SmtpHints.StartTlsStripped, error.Hint);
        Assert.Equal(authBefore, server.CommandsStartingWith("AUTH").Count);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task VerifyAsync_Smtp_ConnectsAuthenticatesAndQuitsWithoutSending()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH PLAIN LOGIN"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password));

        await host.Sender.VerifyAsync();

        Assert.Single(server.CommandsStartingWith("AUTH"));
        Assert.Single(server.CommandsStartingWith("QUIT"));
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task VerifyAsync_WrongPassword_ThrowsAuthenticationFailed()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH PLAIN LOGIN"],
            Certificate = TestCertificates.Server,
            AuthReply = "535 5.7.8 Error: authentication failed",
        });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, "Wr0ng-S3cret-Pa55!"));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.VerifyAsync());

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
    }

    [Fact]
    public async Task VerifyAsync_PickupFolder_CreatesItAndLeavesNothing()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-verify-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = MailSenderHost.Create("pickup:" + folder);

            await host.Sender.VerifyAsync();

            Assert.True(Directory.Exists(folder));
            Assert.Empty(Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task VerifyAsync_PickupFolderIsAFile_ThrowsConfigurationError()
    {
        var file = Path.GetTempFileName();
        try
        {
            await using var host = MailSenderHost.Create("pickup:" + file);

            var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.VerifyAsync());

            Assert.Equal(EmailErrorKind.Configuration, error.Kind);
            Assert.Contains(file, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task VerifyAsync_Failover_SucceedsWhenOneTransportWorks()
    {
        await using var server = ScriptedSmtpServer.Start();
        var closed = LoopbackPorts.Closed();
        await using var host = MailSenderHost.Create($"failover({TestTransports.Smtp(closed, "security=none")} {TestTransports.Smtp(server.Port, "security=none")})");

        await host.Sender.VerifyAsync();

        Assert.Single(server.CommandsStartingWith("QUIT"));
    }

    private static string NoPortUri() =>
        $"smtp://127.0.0.1?{TestTransports.CaFile}&connectTimeout=5s&timeout=5s";
}
