using MailSender.TestSupport;
using Microsoft.Extensions.Time.Testing;
using static MailSender.Tests.Smtp.Pooling.SmtpPoolTestHost;

namespace MailSender.Tests.Smtp.Pooling;

/// <summary>
/// How the SMTP connection pool recovers, seen through <see cref="IEmailSender"/> against a scripted server on 127.0.0.1:
/// connections the server dropped while idle are replaced without the caller noticing and without sending a message twice;
/// 421 discards a connection; a refused transaction is reset with RSET and the connection reused.
/// </summary>
public class SmtpPoolRecoveryIntegrationTests
{
    [Fact]
    public async Task SendAsync_ServerClosedIdleConnection_SendsOnNewConnectionExactlyOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { CloseAfterTransactions = 1 });
        await using var host = Create(server.Port, "maxConnections=1");

        await host.SendAsync("first");
        await Eventually.TrueAsync(() => server.Connections[0].Closed, "the server closing the first connection");

        var result = await host.SendAsync("second");

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["first"], SubjectsOn(server, 1));
        Assert.Equal(["second"], SubjectsOn(server, 2));
    }

    [Fact]
    public async Task SendAsync_ServerTimedOutIdleConnectionWith421_SendsOnNewConnectionExactlyOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            IdleDisconnectAfter = TimeSpan.FromMilliseconds(200),
            IdleDisconnectReply = "421 4.4.2 scripted.test Error: timeout exceeded",
        });
        await using var host = Create(server.Port, "maxConnections=1");

        await host.SendAsync("first");
        await Eventually.TrueAsync(() => server.Connections[0].Closed, "the server timing out the first connection");

        var result = await host.SendAsync("second");

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["first"], SubjectsOn(server, 1));
        Assert.Equal(["second"], SubjectsOn(server, 2));
    }

    [Fact]
    public async Task SendAsync_IdleLongerThanCheckAfterIdle_SendsNoopBeforeMailOnTheSameConnection()
    {
        var time = new FakeTimeProvider();
        await using var server = ScriptedSmtpServer.Start();
        await using var host = Create(server.Port, "checkAfterIdle=5s&idleTimeout=30s", time);

        await host.SendAsync("first");
        await host.SendAsync("right after");
        time.Advance(TimeSpan.FromSeconds(6));
        await host.SendAsync("after 6 s idle");

        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(
            ["EHLO", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "DATA", "NOOP", "MAIL", "RCPT", "DATA"],
            server.Connections[0].Verbs);
    }

    [Fact]
    public async Task SendAsync_NoopFindsConnectionDropped_SendsOnNewConnectionExactlyOnce()
    {
        var time = new FakeTimeProvider();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { CloseAfterTransactions = 1 });
        await using var host = Create(server.Port, "maxConnections=1&checkAfterIdle=5s&idleTimeout=30s", time);

        await host.SendAsync("first");
        await Eventually.TrueAsync(() => server.Connections[0].Closed, "the server closing the first connection");
        time.Advance(TimeSpan.FromSeconds(6));

        var result = await host.SendAsync("second");

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["first"], SubjectsOn(server, 1));
        Assert.Equal(["second"], SubjectsOn(server, 2));
    }

    [Fact]
    public async Task SendAsync_421AtMailOnReusedConnection_DeliversOnFreshConnectionExactlyOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (e, _) => Task.FromResult(e is { Connection: 1, Transaction: 2, Verb: "MAIL" } ? "421 4.3.2 scripted.test Service shutting down" : null),
        });
        await using var host = Create(server.Port, "maxConnections=1");

        await host.SendAsync("first");
        var result = await host.SendAsync("second");
        await host.SendAsync("third");

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["first"], SubjectsOn(server, 1));
        Assert.Equal(["second", "third"], SubjectsOn(server, 2));
    }

    [Fact]
    public async Task SendAsync_421AtMailOnNewConnection_FailsServerBusyAndDiscardsConnection()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (e, _) => Task.FromResult(e is { Connection: 1, Transaction: 1, Verb: "MAIL" } ? "421 4.7.0 scripted.test Try again later" : null),

            // The server keeps talking after its 421, so only the client's own decision can retire the connection.
            KeepOpenAfter421 = true,
        });
        await using var host = Create(server.Port, "maxConnections=1");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.SendAsync("refused"));

        Assert.Equal(EmailErrorKind.ServerBusy, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal(421, error.StatusCode);
        Assert.Equal(1, server.ConnectionCount);
        await Eventually.TrueAsync(() => server.Connections[0].Closed, "the client dropping the connection that said 421");
        Assert.Empty(server.Transactions);

        await host.SendAsync("next");

        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["next"], SubjectsOn(server, 2));
        Assert.Equal(1, server.Connections[0].Verbs.Count(v => v == "MAIL"));
    }

    [Fact]
    public async Task SendAsync_ReusedConnectionClosesAfterFinalDot_FailsWithoutSendingAgain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            // The second message arrives complete, but the server vanishes before confirming it: it may have been accepted.
            Intercept = (e, _) => Task.FromResult(e is { Connection: 1, Transaction: 2, Verb: "." } ? SmtpScript.CloseSilently : null),
        });
        await using var host = Create(server.Port, "maxConnections=1");
        await host.SendAsync("first");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.SendAsync("maybe accepted"));

        Assert.True(error.MayHaveBeenAccepted);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(["first", "maybe accepted"], Subjects(server.Transactions));

        await host.SendAsync("next");
        Assert.Equal(["next"], SubjectsOn(server, 2));
        Assert.Equal(["first", "maybe accepted", "next"], Subjects(server.Transactions));
    }

    [Fact]
    public async Task SendAsync_AllRecipientsRejected_ResetsAndReusesTheConnection()
    {
        // Regression: the "no recipient accepted" exception was not an SmtpCommandException, so MailKit dropped the connection without RSET.
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            RecipientReplies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["nobody@example.com"] = "550 5.1.1 <nobody@example.com>: no such user" },
        });
        await using var host = Create(server.Port, "maxConnections=1");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.WithSubject("refused", "nobody@example.com")));
        await host.SendAsync("accepted");

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.Equal(550, error.StatusCode);
        Assert.Equal(1, server.ConnectionCount);
        var verbs = server.Connections[0].Verbs;
        var secondMail = verbs.ToList().LastIndexOf("MAIL");
        // PIPELINING (RFC 2920): DATA ends the envelope group; the server refuses it, as no recipient was accepted.
        Assert.Equal(["EHLO", "MAIL", "RCPT", "DATA", "RSET"], verbs.Take(secondMail));
        Assert.Equal(["MAIL", "RCPT", "DATA"], verbs.Skip(secondMail));
        Assert.Equal(["accepted"], SubjectsOn(server, 1));
    }

    [Fact]
    public async Task SendAsync_SenderRejected_ResetsAndReusesTheConnection()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (e, _) => Task.FromResult(e is { Connection: 1, Transaction: 1, Verb: "MAIL" } ? "550 5.7.1 <sender@example.com>: Sender address rejected: not owned by user" : null),
        });
        await using var host = Create(server.Port, "maxConnections=1");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.SendAsync("refused"));
        await host.SendAsync("accepted");

        Assert.Equal(550, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Equal(1, server.ConnectionCount);
        var verbs = server.Connections[0].Verbs.ToList();
        var secondMail = verbs.LastIndexOf("MAIL");
        Assert.Contains("RSET", verbs.Take(secondMail));
        Assert.Equal(["MAIL", "RCPT", "DATA"], verbs.Skip(secondMail));
        Assert.Equal(["accepted"], SubjectsOn(server, 1));
    }
}
