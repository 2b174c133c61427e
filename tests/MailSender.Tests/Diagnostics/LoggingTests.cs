using Microsoft.Extensions.DependencyInjection;
using System.Text;
using MailSender.TestSupport;
using Microsoft.Extensions.Logging;

namespace MailSender.Tests.Diagnostics;

/// <summary>
/// Every log event of whole sends (a success with AUTH, a refused password, a retry after a transient failure), captured
/// with a logger provider at the most verbose level: no secret ever appears, and recipients only with LogRecipients.
/// </summary>
public sealed class LoggingTests
{
    private const string User = "mailer@example.com";
    private const string Password = "Corr3ct-H0rse:B@ttery";
    private const string ApiKey = "SG.k3y-Id.s3cr3t-Api-K3y-Value";
    private const string Recipient = "alice.private@example.org";

    /// <summary>The event ids docs/telemetry.md lists (read from it, so the list cannot go stale); any other id is an undocumented event.</summary>
    private static readonly int[] DocumentedIds = [.. TelemetryDocs.LogEvents.Select(e => e.Id)];

    [Fact]
    public async Task SendAsync_SuccessWithAuth_LogsNoSecretAndNoRecipient()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password));

        await capture.Sender.SendAsync(TestMessages.Text(to: Recipient));

        var events = capture.Logs.Events;
        AssertIds(events, 100, 110, 1);
        Assert.Contains(events, e => e.Id == 110 && e.Name == "ConnectionOpened" && e.Message.Contains("authenticated: True", StringComparison.Ordinal));
        AssertNoSecrets(events, User, Password);
        AssertNoRecipient(events);
    }

    [Fact]
    public async Task SendAsync_WrongPassword_LogsTheFailureWithoutTheTriedPassword()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });
        await using var capture = TelemetryCapture.WithRetries(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, ApiKey));

        await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text(to: Recipient)));

        var events = capture.Logs.Events;
        AssertIds(events, 100, 111, 2);
        Assert.Contains(events, e => e.Id == 2 && e.Message.Contains("AuthenticationFailed", StringComparison.Ordinal));
        AssertNoSecrets(events, User, ApiKey);
        AssertNoSecrets(events, User, Password);
        AssertNoRecipient(events);
    }

    [Fact]
    public async Task SendAsync_RetryAfterTransientFailureWithAuthLogin_LogsTheRetryWithoutSecrets()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "AUTH LOGIN PLAIN"],
            Certificate = TestCertificates.Server,
            GreetingOn = n => n == 1 ? "421 4.3.2 Service not available" : null,
            RecipientReplies = new Dictionary<string, string> { ["bob@example.net"] = "550 5.1.1 <bob@example.net>: Recipient address rejected" },
        });
        await using var capture = TelemetryCapture.WithRetries(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password));

        var result = await capture.Sender.SendAsync(TestMessages.Text(to: [Recipient, "bob@example.net"]));

        Assert.Equal(2, result.Attempts);
        Assert.Single(server.CommandsStartingWith("AUTH"));
        var events = capture.Logs.Events;
        AssertIds(events, 100, 111, 10, 110, 3, 1);
        AssertNoSecrets(events, User, Password);
        AssertNoRecipient(events);
        Assert.DoesNotContain(events, e => e.Texts.Any(t => t.Contains("bob@example.net", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_OAuthTokenAcceptedOrRefused_LogsNoTokenAndNoXOAuth2Payload(bool refused)
    {
        const string Token = "ya29.S3cret-0Auth-T0ken";
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH XOAUTH2"],
            Certificate = TestCertificates.Server,
            OAuthErrorChallenge = refused ? Convert.ToBase64String(Encoding.ASCII.GetBytes("{\"status\":\"401\"}")) : null,
            AuthReply = refused ? "535 5.7.8 Username and Password not accepted" : "235 2.7.0 Accepted",
        });
        await using var capture = TelemetryCapture.WithRetries(
            TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User),
            build: b => b.UseAccessTokenProvider(_ => new FixedTokenProvider(Token)));

        var send = capture.Sender.SendAsync(TestMessages.Text(to: Recipient));
        if (refused)
        {
            await Assert.ThrowsAsync<EmailSendException>(() => send);
        }
        else
        {
            await send;
        }

        var events = capture.Logs.Events;
        AssertIds(events, refused ? [100, 111, 2] : [100, 110, 1]);
        AssertNoSecrets(events, User, Token);
        var payload = Convert.ToBase64String(Encoding.ASCII.GetBytes($"user={User}\u0001auth=Bearer {Token}\u0001\u0001"));
        Assert.DoesNotContain(events, e => e.Texts.Any(t => t.Contains(payload, StringComparison.Ordinal) || t.Contains("XOAUTH2 ", StringComparison.Ordinal)));
        AssertNoRecipient(events);
    }

    [Fact]
    public async Task SendAsync_LogRecipientsOn_NamesAcceptedAndRefusedRecipients()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { RejectedRecipients = ["bob@example.net"] });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=none"), o => o.LogRecipients = true);

        await capture.Sender.SendAsync(TestMessages.Text(to: [Recipient, "bob@example.net"]));

        var events = capture.Logs.Events;
        var accepted = Assert.Single(events, e => e.Id == 101);
        Assert.Equal("RecipientsAccepted", accepted.Name);
        Assert.Contains(Recipient, accepted.Message, StringComparison.Ordinal);
        var refused = Assert.Single(events, e => e.Id == 102);
        Assert.Equal(LogLevel.Warning, refused.Level);
        Assert.Contains("bob@example.net (550 5.1.1)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_LogRecipientsOnAndSendFails_NamesTheRecipientsNotSentTo()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { DataReply = "554 5.7.1 Message rejected as spam" });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=none"), o => o.LogRecipients = true);

        await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text(to: Recipient)));

        var notSent = Assert.Single(capture.Logs.Events, e => e.Id == 103);
        Assert.Contains("message_rejected", notSent.Message, StringComparison.Ordinal);
        Assert.Contains(Recipient, notSent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServerEchoesTheRecipientInItsRefusal_TheFailureReasonIsRedacted()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReply = $"550 5.1.1 <{Recipient}>: Recipient address rejected: no such user" });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=none"));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text(to: Recipient)));

        Assert.Contains(Recipient, error.Message, StringComparison.Ordinal);
        var failed = Assert.Single(capture.Logs.Events, e => e.Id == 2);
        Assert.Contains("[address]", failed.Message, StringComparison.Ordinal);
        AssertNoRecipient(capture.Logs.Events);
    }

    [Fact]
    public async Task SendAsync_PoolExhausted_LogsAWarningWithThePoolState()
    {
        using var release = new SemaphoreSlim(0);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            // The first MAIL waits, holding the only connection, until the second send has given up.
            Intercept = async (e, ct) =>
            {
                if (e.Verb == "MAIL")
                {
                    await release.WaitAsync(ct);
                }

                return null;
            },
        });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=none&maxConnections=1&acquireTimeout=200ms"));

        var first = capture.Sender.SendAsync(TestMessages.Text());
        await Eventually.TrueAsync(() => server.CommandsStartingWith("MAIL").Count == 1, "the first send to reach MAIL");
        var error = await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text()));
        release.Release();
        await first;

        Assert.Equal(EmailErrorKind.ServerBusy, error.Kind);
        var exhausted = Assert.Single(capture.Logs.Events, e => e.Id == 120);
        Assert.Equal(LogLevel.Warning, exhausted.Level);
        Assert.Contains("(1 in use, ", exhausted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Pickup_LogsTheWrittenFile()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-logging-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var capture = TelemetryCapture.WithoutRetries("pickup:" + folder);

            var result = await capture.Sender.SendAsync(TestMessages.Text(to: Recipient));

            var written = Assert.Single(capture.Logs.Events, e => e.Id == 150);
            Assert.Equal("PickupFileWritten", written.Name);
            Assert.Contains(result.FilePath!, written.Message, StringComparison.Ordinal);
            AssertNoRecipient(capture.Logs.Events);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static void AssertIds(IReadOnlyList<CapturedLog> events, params int[] expected)
    {
        var ids = events.Select(e => e.Id).ToArray();
        Assert.All(expected, id => Assert.Contains(id, ids));
        Assert.All(ids, id => Assert.Contains(id, DocumentedIds));
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.Name), $"Event {e.Id} has no name."));
    }

    /// <summary>Neither the secret, in clear, URI-escaped or base64 (alone, as AUTH LOGIN sends it, or in a PLAIN payload), nor the AUTH command.</summary>
    private static void AssertNoSecrets(IReadOnlyList<CapturedLog> events, string user, string secret)
    {
        Assert.NotEmpty(events);
        string[] forbidden =
        [
            secret,
            Uri.EscapeDataString(secret),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{secret}")),
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}\0{user}\0{secret}")),
            "AUTH PLAIN",
            "AUTH LOGIN",
        ];
        foreach (var e in events)
        {
            foreach (var text in e.Texts)
            {
                foreach (var bad in forbidden)
                {
                    Assert.False(text.Contains(bad, StringComparison.Ordinal), $"Event {e.Id} ({e.Name}) reveals '{bad}': {text}");
                }
            }
        }
    }

    private static void AssertNoRecipient(IReadOnlyList<CapturedLog> events)
    {
        foreach (var e in events)
        {
            Assert.All(e.Texts, t => Assert.DoesNotContain(Recipient, t, StringComparison.OrdinalIgnoreCase));
        }
    }

    private sealed class FixedTokenProvider(string token) : ISmtpAccessTokenProvider
    {
        public ValueTask<string> GetAccessTokenAsync(SmtpTokenContext context, CancellationToken cancellationToken = default) => ValueTask.FromResult(token);
    }
}
