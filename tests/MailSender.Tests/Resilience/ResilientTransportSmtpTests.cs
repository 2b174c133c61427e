using MailSender.TestSupport;

namespace MailSender.Tests.Resilience;

/// <summary>
/// The resilience pipeline against a scripted fault-injecting SMTP server on 127.0.0.1: for each fault, the outcome,
/// the number of attempts and exactly what the server received.
/// </summary>
public sealed class ResilientTransportSmtpTests
{
    private const string A = "a@example.com";
    private const string B = "b@example.com";
    private const string C = "c@example.com";

    [Fact]
    public async Task SendAsync_421AtGreeting_RetriesThenSucceeds()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { GreetingOn = n => n == 1 ? "421 4.3.2 Service not available" : null });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_421AfterMail_RetriesOnANewConnection()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = OnFirst("MAIL", "421 4.3.2 Closing connection") });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(2, server.CommandsStartingWith("MAIL").Count);
        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(2, transaction.Connection);
    }

    [Fact]
    public async Task SendAsync_451AtRcptGreylisting_RetriesThenSucceeds()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = OnFirst("RCPT", "451 4.7.1 Greylisted, try again later") });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        Assert.True(result.AllRecipientsAccepted);
        Assert.Equal(2, server.CommandsStartingWith("RCPT").Count);
        Assert.Equal(["rcpt@example.com"], Assert.Single(server.Transactions).Recipients);
    }

    [Fact]
    public async Task SendAsync_452TooManyRecipients_DeliversToTheFirstThenRetriesTheRestOnly()
    {
        var rcpts = 0;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (e, _) => Task.FromResult(e.Verb == "RCPT" && Interlocked.Increment(ref rcpts) == 3 ? "452 4.5.3 Too many recipients" : null),
        });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: [A, B, C]));

        Assert.Equal(2, result.Attempts);
        Assert.Equal([A, B, C], result.AcceptedRecipients.Order());
        Assert.Empty(result.RejectedRecipients);
        AssertEachReceivedOnce(server, A, B, C);
        Assert.Equal([A, B], server.Transactions[0].Recipients);
        Assert.Equal([C], server.Transactions[1].Recipients);
    }

    [Fact]
    public async Task SendAsync_450ForOneOfThree_DeliversToTwoAndRetriesTheThirdOnly()
    {
        var deferred = 0;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (e, _) => Task.FromResult(e.Verb == "RCPT" && e.Command.Contains(B, StringComparison.Ordinal) && Interlocked.Increment(ref deferred) == 1 ? "450 4.2.1 Mailbox busy" : null),
        });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: [A, B, C]));

        Assert.Equal(2, result.Attempts);
        Assert.True(result.AllRecipientsAccepted);
        Assert.Equal([A, B, C], result.AcceptedRecipients.Order());
        AssertEachReceivedOnce(server, A, B, C);
        Assert.Equal([B], server.Transactions[1].Recipients);
    }

    [Fact]
    public async Task SendAsync_450ForOneRecipientEveryTime_ReportsItAfterTheRetriesAndDeliversTheOthersOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReplies = Replies(B, "450 4.2.1 Mailbox busy") });
        await using var host = ResilienceTestHost.ForSmtp(server, o => o.Retry.MaxRetryAttempts = 2);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: [A, B, C]));

        Assert.Equal(3, result.Attempts);
        Assert.Equal([A, C], result.AcceptedRecipients.Order());
        var rejected = Assert.Single(result.RejectedRecipients);
        Assert.Equal((B, 450), (rejected.Address, rejected.StatusCode));
        AssertEachReceivedOnce(server, A, C);
        Assert.Equal(3, server.CommandsStartingWith("RCPT TO:<" + B).Count);
    }

    [Fact]
    public async Task SendAsync_550ForOneOfThree_ReportsItWithoutRetrying()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReplies = Replies(C, "550 5.1.1 No such user") });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: [A, B, C]));

        Assert.Equal(1, result.Attempts);
        Assert.Equal([A, B], result.AcceptedRecipients);
        var rejected = Assert.Single(result.RejectedRecipients);
        Assert.Equal((C, 550, "5.1.1"), (rejected.Address, rejected.StatusCode, rejected.EnhancedStatusCode));
        Assert.Equal([A, B], Assert.Single(server.Transactions).Recipients);
    }

    [Fact]
    public async Task SendAsync_550ForOneOfThreeWithThrowOnPartialRejection_ThrowsAfterDeliveringToTheOthers()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReplies = Replies(C, "550 5.1.1 No such user") });
        await using var host = ResilienceTestHost.ForSmtp(server, sender: o => o.ThrowOnPartialRejection = true);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text(to: [A, B, C])));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal(C, Assert.Single(error.Recipients).Address);
        Assert.Equal([A, B], Assert.Single(server.Transactions).Recipients);
    }

    [Fact]
    public async Task SendAsync_552AtData_FailsWithoutRetrying()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = On("DATA", "552 5.3.4 Message size exceeds fixed limit") });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.True(EmailErrorKind.MessageTooLarge == error.Kind, error.ToString());
        Assert.False(EmailResiliencePredicates.IsTransient(error));
        Assert.Single(server.CommandsStartingWith("DATA"));
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_554AfterFinalDot_FailsWithoutRetrying()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { DataReply = "554 5.7.1 Message rejected as spam" });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.MessageRejected, error.Kind);
        Assert.Equal(554, error.StatusCode);
        Assert.Single(server.Transactions);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_535_IsNotRetriedAndRepeatedFailuresOpenTheCircuit()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "ENHANCEDSTATUSCODES", "AUTH PLAIN"],
            AuthReply = "535 5.7.8 Error: authentication failed",
        });
        await using var host = ResilienceTestHost.ForSmtp(server, o => o.CircuitBreaker.MinimumThroughput = 2, "security=none&allowInsecureAuth=true", "user", "wrong");

        var first = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        Assert.Equal(EmailErrorKind.AuthenticationFailed, first.Kind);
        Assert.Single(server.CommandsStartingWith("AUTH"));

        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        var connections = server.ConnectionCount;
        var open = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, open.Kind);
        Assert.Contains("circuit is open", open.Message, StringComparison.Ordinal);
        Assert.False(open.IsTransient);
        Assert.Equal(2, server.CommandsStartingWith("AUTH").Count);
        Assert.Equal(connections, server.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_454TooManyLoginAttempts_RetriesAfterTheThrottledDelay()
    {
        var throttled = TimeSpan.FromMilliseconds(400);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "ENHANCEDSTATUSCODES", "AUTH PLAIN"],
            Intercept = OnFirst("AUTH", "454 4.7.0 Too many login attempts, please try again later"),
        });
        await using var host = ResilienceTestHost.ForSmtp(server, o => o.Retry.ThrottledDelay = throttled, "security=none&allowInsecureAuth=true", "user", "secret");

        var result = await host.Sender.SendAsync(TestMessages.Text());

        // The ordinary back-off is at most 5 ms here: only the throttled delay explains a wait of hundreds of ms. Timers
        // and the stopwatch differ by a timer tick (a run measured 399.9 ms), hence the margin.
        Assert.Equal(2, result.Attempts);
        Assert.True(result.Elapsed >= throttled * 0.75, $"retried after {result.Elapsed}");
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedAfterGreeting_RetriesAndDeliversOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { FaultOn = n => n == 1 ? SmtpFault.CloseAfterGreeting : null });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, Assert.Single(server.Transactions).Connection);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedAfterRcpt_RetriesAndDeliversOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { FaultOn = n => n == 1 ? SmtpFault.CloseAfterRcpt : null });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, Assert.Single(server.Transactions).Connection);
    }

    [Fact]
    public async Task SendAsync_ConnectionResetInTheMiddleOfData_RetriesAndDeliversOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { FaultOn = n => n == 1 ? SmtpFault.CloseDuringData : null, FaultAfterDataBytes = 16 * 1024 });
        await using var host = ResilienceTestHost.ForSmtp(server);

        // Far larger than the socket buffers, so the client is still writing when the reset arrives (not "uncertain").
        var result = await host.Sender.SendAsync(TestMessages.Text(new string('x', 76) + string.Concat(Enumerable.Repeat("\r\n" + new string('y', 76), 6 * 1024 * 1024 / 78))));

        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, Assert.Single(server.Transactions).Connection);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedAfterFinalDot_IsUncertainAndNotRetried()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = OnFirst(".", SmtpScript.CloseSilently) });
        await using var host = ResilienceTestHost.ForSmtp(server);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.DeliveryUncertain, error.Kind);
        Assert.True(error.MayHaveBeenAccepted);
        Assert.False(EmailResiliencePredicates.IsTransient(error));
        Assert.Single(server.Transactions);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedAfterFinalDotWithAllowAtLeastOnce_RetriesAndMayDuplicate()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = OnFirst(".", SmtpScript.CloseSilently) });
        await using var host = ResilienceTestHost.ForSmtp(server, o => o.Retry.AllowAtLeastOnce = true);

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        Assert.Equal(2, server.Transactions.Count);
    }

    [Fact]
    public async Task SendAsync_GreetingSlowerThanConnectTimeout_RetriesThenFailsWithTimeout()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { GreetingDelay = TimeSpan.FromSeconds(3) });
        await using var host = ResilienceTestHost.ForSmtp(server, o => o.Retry.MaxRetryAttempts = 2, "security=none&connectTimeout=150ms");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.Timeout, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("gave up after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.ConnectionCount);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_PermanentFailuresEveryTime_ThrowsTheLastErrorWithTheAttemptCount()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { MailReply = "421 4.3.2 Try again later" });
        await using var host = ResilienceTestHost.ForSmtp(server, o => o.Retry.MaxRetryAttempts = 2);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.ServerBusy, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal(421, error.StatusCode);
        Assert.Contains("gave up after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.CommandsStartingWith("MAIL").Count);
    }

    [Fact]
    public async Task SendAsync_TlsHandshakeFails_IsNotRetried()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Certificate = TestCertificates.UntrustedSelfSigned });
        await using var host = ResilienceTestHost.ForSmtp(server, query: "security=starttls");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.False(EmailResiliencePredicates.IsTransient(error));
        Assert.Equal(1, server.ConnectionCount);
        Assert.Single(server.CommandsStartingWith("STARTTLS"));
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task SendAsync_CancelledBeforeHandOver_SendsNothingAndDoesNotRetry()
    {
        var gate = new ScriptedReplyGate(e => e.Verb == "RCPT");
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = gate.Intercept });
        await using var host = ResilienceTestHost.ForSmtp(server);
        using var cancellation = new CancellationTokenSource();

        var send = host.Sender.SendAsync(TestMessages.Text(), cancellation.Token);
        await gate.WaitForArrivalsAsync(1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        gate.Open();
        Assert.Empty(server.Transactions);
        Assert.Single(server.CommandsStartingWith("MAIL"));
    }

    private static void AssertEachReceivedOnce(ScriptedSmtpServer server, params string[] recipients)
    {
        var received = server.Transactions.SelectMany(t => t.Recipients).Order().ToArray();
        Assert.Equal(recipients.Order().ToArray(), received);
    }

    private static Dictionary<string, string> Replies(string address, string reply) => new(StringComparer.OrdinalIgnoreCase) { [address] = reply };

    private static Func<ScriptedExchange, CancellationToken, Task<string?>> On(string verb, string reply) =>
        (e, _) => Task.FromResult(e.Verb == verb ? reply : null);

    /// <summary>Replies <paramref name="reply"/> to the first <paramref name="verb"/> only (any connection).</summary>
    private static Func<ScriptedExchange, CancellationToken, Task<string?>> OnFirst(string verb, string reply)
    {
        var seen = 0;
        return (e, _) => Task.FromResult(e.Verb == verb && Interlocked.Increment(ref seen) == 1 ? reply : null);
    }
}
