using MailSender.Smtp.Providers;
using MailSender.Smtp;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MailSender.Sending;

namespace MailSender.Tests.Smtp;

/// <summary>Presets pointed at servers on 127.0.0.1 (host/port overrides): they send, and their limits configure the pool and the rate limiter.</summary>
public class RelayTransportIntegrationTests
{
    private const string Key = "SG.integration-key";

    [Fact]
    public async Task SendAsync_SendGridPresetAgainstLocalServer_AuthenticatesAsApikeyAndDelivers()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = "apikey", Password = Key, RequireAuthentication = true });

        var result = await MailSenderHost.SendAsync(Relay("sendgrid", server.Port), TestMessages.Text(), o => o.Password = Key);

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal(["apikey:yes"], server.Authentications);
        Assert.Single(server.Messages);
        Assert.DoesNotContain(Key, result.Transport, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SendGridPreset_ReusesAConnectionBeyondTheDefaultMessageLimit()
    {
        // SendGrid documents 5,000 messages per connection; the library's default is 100, so the 101st message shows which applies.
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH PLAIN"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Create(Relay("sendgrid", server.Port), o => o.Password = Key);

        for (var i = 0; i < 101; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        Assert.Equal(101, server.Transactions.Count);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(5000, ((SmtpTransport)((DefaultEmailSender)host.Sender).Transport).Settings.Pool.MaxMessagesPerConnection);
    }

    [Fact]
    public async Task SendAsync_ExplicitMessageLimit_WinsOverThePreset()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH PLAIN"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Create(Relay("sendgrid", server.Port, "maxMessagesPerConnection=2"), o => o.Password = Key);

        for (var i = 0; i < 3; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_Microsoft365Preset_RateLimitsToThirtyMessagesPerMinute()
    {
        var time = new FakeTimeProvider();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH LOGIN"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Build(o => Microsoft365(o, server.Port), time);

        for (var i = 0; i < 30; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        var thirtyFirst = host.Sender.SendAsync(TestMessages.Text());
        await Task.Delay(300);
        Assert.False(thirtyFirst.IsCompleted);
        Assert.Equal(30, server.Transactions.Count);

        time.Advance(TimeSpan.FromMinutes(1));
        await thirtyFirst.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(31, server.Transactions.Count);
    }

    [Fact]
    public async Task SendAsync_Microsoft365PresetWithConfiguredRate_UsesTheConfiguredRate()
    {
        var time = new FakeTimeProvider();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH LOGIN"], Certificate = TestCertificates.Server });
        await using var host = MailSenderHost.Build(
            o =>
            {
                Microsoft365(o, server.Port);
                o.Resilience.RateLimit.MessagesPerSecond = 1000;
            },
            time);

        for (var i = 0; i < 31; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text()).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(31, server.Transactions.Count);
    }

    [Fact]
    public async Task Sender_PresetLimits_AreLoggedOnceWithEventId220()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = MailSenderHost.Build(
            o =>
            {
                Microsoft365(o, 2525);
                o.Transport = "relay://sendgrid?host=127.0.0.1&port=2525";
            },
            build: b => b.Services.AddLogging(l => l.AddProvider(logs)));

        var entry = Assert.Single(logs.Entries, e => e.EventId.Id == 220);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains("sendgrid", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Smtp:Pool:MaxMessagesPerConnection=5000", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseProvider_WithHostAndPortOverride_SendsThroughThePreset()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = "postmaster@mg.example.com", Password = "mg-pass", RequireAuthentication = true });
        await using var host = MailSenderHost.Build(
            o =>
            {
                o.Transport = "pickup:./never-used";
                o.UserName = "postmaster@mg.example.com";
                o.Password = "mg-pass";
                o.Smtp.Tls.TrustedCaFile = TestCertificates.AuthorityPemFile;
            },
            build: b => b.UseProvider("Mailgun", p =>
            {
                p.Region = "eu";
                p.Host = "127.0.0.1";
                p.Port = server.Port;
            }));

        await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(["postmaster@mg.example.com:yes"], server.Authentications);
        Assert.Single(server.Messages);
    }

    [Fact]
    public void UseProvider_UnknownProvider_ThrowsListingTheKnownOnes()
    {
        var services = new ServiceCollection();
        var builder = services.AddMailSender(_ => { });

        var error = Assert.Throws<EmailSendException>(() => builder.UseProvider("sendgird"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("sendgrid", error.Hint, StringComparison.Ordinal);
        Assert.Contains("unknown provider 'sendgird'", error.Message, StringComparison.Ordinal);
        Assert.Equal(Assert.Throws<EmailSendException>(() => RelayTransportFactory.CreateSettings(TransportUri.Parse("relay://sendgird"), new MailSenderOptions(), null)).Hint, error.Hint);
    }

    [Fact]
    public async Task SendAsync_OutlookPresetRefusesPassword_HintSaysOAuthIsRequired()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH LOGIN XOAUTH2"],
            Certificate = TestCertificates.Server,
            AuthReply = "535 5.7.3 Authentication unsuccessful",
        });

        var error = await MailSenderHost.SendFailingAsync(Relay("outlook", server.Port), TestMessages.Text(), o =>
        {
            o.UserName = "ann@outlook.com";
            o.Password = "old-password";
        });

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("accepts only OAuth 2.0", error.Hint, StringComparison.Ordinal);
        Assert.Contains("UseAccessTokenProvider", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("microsoft365", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", "SMTP AUTH disabled")]
    [InlineData("gmail", "534 5.7.9 Application-specific password required.", "app password")]
    [InlineData("gmail", "535 5.7.8 Username and Password not accepted.", "app password")]
    [InlineData("ses", "535 Authentication Credentials Invalid", "not IAM access keys")]
    [InlineData("sendgrid", "535 Authentication failed: Bad username / password", "literal 'apikey'")]
    public async Task SendAsync_ProviderRefusesCredentials_HintIsProviderSpecific(string provider, string reply, string hint)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH LOGIN PLAIN"], Certificate = TestCertificates.Server, AuthReply = reply });

        var error = await MailSenderHost.SendFailingAsync(Relay(provider, server.Port, provider == "ses" ? "region=eu-west-1" : string.Empty), TestMessages.Text(), o =>
        {
            o.UserName = "user@example.com";
            o.Password = "secret-pw";
        });

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains(hint, error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_UnknownRegion_FailsAtStartUp()
    {
        var error = Assert.ThrowsAny<Exception>(() => MailSenderHost.Build(o => o.Transport = "relay://mailgun?region=mars"));

        Assert.Contains("unknown region 'mars'", error.Message, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        private readonly List<(LogLevel Level, EventId EventId, string Message)> _entries = [];

        public IReadOnlyList<(LogLevel Level, EventId EventId, string Message)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return _entries.ToArray();
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries)
            {
                _entries.Add((logLevel, eventId, formatter(state, exception)));
            }
        }

        public void Dispose()
        {
        }
    }

    private static void Microsoft365(MailSenderOptions options, int port)
    {
        options.Transport = Relay("microsoft365", port);
        options.UserName = "ann@contoso.example";
        options.Password = "pw";
    }

    private static string Relay(string provider, int port, string extra = "") =>
        $"relay://{provider}?host=127.0.0.1&port={port}&security=starttls&{TestTransports.CaFile}&connectTimeout=5s&timeout=5s" + (extra.Length == 0 ? string.Empty : "&" + extra);
}
