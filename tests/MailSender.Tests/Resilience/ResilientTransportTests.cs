using MailSender.Diagnostics;
using MailSender.Resilience;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace MailSender.Tests.Resilience;

/// <summary>The pipeline around an in-process transport: rate limits on a fake clock, the builder hook, options and their validation.</summary>
public sealed class ResilientTransportTests
{
    [Fact]
    public async Task SendAsync_MaxMessagesPerSecond_MakesFurtherSendsWaitForTheNextSecond()
    {
        var time = new FakeTimeProvider();
        var transport = new ScriptedTransport((_, envelope) => ScriptedTransport.Accepted(envelope));
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.RateLimit.MessagesPerSecond = 2, time);

        await host.Sender.SendAsync(TestMessages.Text());
        await host.Sender.SendAsync(TestMessages.Text());
        var third = host.Sender.SendAsync(TestMessages.Text());
        var fourth = host.Sender.SendAsync(TestMessages.Text());
        var fifth = host.Sender.SendAsync(TestMessages.Text());

        Assert.False(third.IsCompleted);
        Assert.Equal(2, transport.Envelopes.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(third, fourth).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(fifth.IsCompleted);
        Assert.Equal(4, transport.Envelopes.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        await fifth.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(5, transport.Envelopes.Count);
    }

    [Fact]
    public async Task SendAsync_CancelledWhileWaitingForTheRateLimiter_ThrowsAndSendsNothing()
    {
        var time = new FakeTimeProvider();
        var transport = new ScriptedTransport((_, envelope) => ScriptedTransport.Accepted(envelope));
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.RateLimit.MessagesPerMinute = 1, time);
        using var cancellation = new CancellationTokenSource();

        await host.Sender.SendAsync(TestMessages.Text());
        var waiting = host.Sender.SendAsync(TestMessages.Text(), cancellation.Token);
        Assert.False(waiting.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(transport.Envelopes);
    }

    [Fact]
    public async Task SendAsync_RetryDelays_RunOnTheInjectedTimeProvider()
    {
        var time = new FakeTimeProvider();
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? throw new EmailSendException(EmailErrorKind.ServerBusy, "421 busy") { StatusCode = 421, IsTransient = true }
            : ScriptedTransport.Accepted(envelope));
        await using var host = ResilienceTestHost.ForTransport(transport, o => (o.Retry.Delay, o.Retry.MaxDelay) = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), time);

        var send = host.Sender.SendAsync(TestMessages.Text());
        await Eventually.TrueAsync(() => transport.Envelopes.Count == 1, "the first attempt");

        // Jitter keeps the delay under 10 s; only the fake clock moves, so the retry cannot happen on its own.
        await Task.Delay(50);
        Assert.Single(transport.Envelopes);
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return send.IsCompleted; }, "the retry after the fake delay");
        Assert.Equal(2, (await send).Attempts);
    }

    [Fact]
    public async Task SendAsync_HourLongRetryDelay_PassesOnlyOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? throw new EmailSendException(EmailErrorKind.ServerBusy, "421 busy") { StatusCode = 421, IsTransient = true }
            : ScriptedTransport.Accepted(envelope));
        await using var host = ResilienceTestHost.ForTransport(transport, o => (o.Retry.Delay, o.Retry.MaxDelay, o.TotalTimeout.Timeout) = (TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(12)), time);

        var send = host.Sender.SendAsync(TestMessages.Text());
        await Eventually.TrueAsync(() => transport.Envelopes.Count == 1, "the first attempt");

        // On the wall clock the retry would wait up to an hour; on the fake one it comes within an hour of fake time.
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMinutes(10)); return send.IsCompleted; }, "the retry after the fake hour");
        Assert.Equal(2, (await send).Attempts);
    }

    [Fact]
    public async Task ConfigureResilience_WithBuiltInStrategiesOff_UsesOnlyTheStrategiesItAdds()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt < 3
            ? throw new EmailSendException(EmailErrorKind.ConnectionFailed, "refused") { IsTransient = true }
            : ScriptedTransport.Accepted(envelope));
        var retries = 0;
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.Enabled = false, build: b => b.ConfigureResilience((pipeline, services) =>
        {
            Assert.NotNull(services.GetService<IEmailSenderFactory>());
            pipeline.AddRetry(new Polly.Retry.RetryStrategyOptions<SendResult>
            {
                MaxRetryAttempts = 5,
                Delay = TimeSpan.Zero,
                ShouldHandle = args => ValueTask.FromResult(EmailResiliencePredicates.IsTransient(args.Outcome)),
                OnRetry = _ =>
                {
                    Interlocked.Increment(ref retries);
                    return default;
                },
            });
        }));

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(3, result.Attempts);
        Assert.Equal(2, retries);
    }

    [Fact]
    public async Task SendAsync_Disabled_MakesOneAttempt()
    {
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(EmailErrorKind.ConnectionFailed, "refused") { IsTransient = true });
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.Enabled = false);

        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Single(transport.Envelopes);
    }

    [Fact]
    public async Task SendAsync_DeferredRecipientThenConnectionFailures_ReportsItRefusedAndKeepsTheDelivery()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? ScriptedTransport.Partly(["a@example.com"], new RejectedRecipient("b@example.com", 451, "4.3.0", "try later"))
            : throw new EmailSendException(EmailErrorKind.ConnectionFailed, "refused") { IsTransient = true });
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.Retry.MaxRetryAttempts = 2);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: ["a@example.com", "b@example.com"]));

        Assert.Equal(3, result.Attempts);
        Assert.Equal(["a@example.com"], result.AcceptedRecipients);
        Assert.Equal(451, Assert.Single(result.RejectedRecipients).StatusCode);
        Assert.Equal([["a@example.com", "b@example.com"], ["b@example.com"], ["b@example.com"]], transport.Envelopes);
    }

    [Fact]
    public async Task SendAsync_CancelledWhileWaitingToRetryADeferredRecipient_ReportsTheDeliveryInsteadOfThrowing()
    {
        var time = new FakeTimeProvider();
        var transport = new ScriptedTransport((_, envelope) => ScriptedTransport.Partly(["a@example.com"], new RejectedRecipient("b@example.com", 450, "4.2.1", "busy")));
        await using var host = ResilienceTestHost.ForTransport(transport, o => (o.Retry.Delay, o.Retry.MaxDelay) = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), time);
        using var cancellation = new CancellationTokenSource();

        var send = host.Sender.SendAsync(TestMessages.Text(to: ["a@example.com", "b@example.com"]), cancellation.Token);
        await Eventually.TrueAsync(() => transport.Envelopes.Count == 1, "the first attempt");
        await cancellation.CancelAsync();
        var result = await send.WaitAsync(TimeSpan.FromSeconds(5));

        // a has the message: throwing would invite the caller to send it again to a.
        Assert.Equal(["a@example.com"], result.AcceptedRecipients);
        Assert.Equal("b@example.com", Assert.Single(result.RejectedRecipients).Address);
        Assert.Single(transport.Envelopes);
    }

    [Fact]
    public async Task SendAsync_TwoOfThreeDeferred_RetriesExactlyThoseTwoTogether()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? ScriptedTransport.Partly(
                ["a@example.com"],
                new RejectedRecipient("b@example.com", 450, "4.2.1", "mailbox busy"),
                new RejectedRecipient("c@example.com", 451, "4.3.0", "try later"),
                new RejectedRecipient("d@example.com", 550, "5.1.1", "no such user"))
            : ScriptedTransport.Accepted(envelope));
        await using var host = ResilienceTestHost.ForTransport(transport);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]));

        Assert.Equal(2, result.Attempts);
        Assert.Equal([["a@example.com", "b@example.com", "c@example.com", "d@example.com"], ["b@example.com", "c@example.com"]], transport.Envelopes);
        Assert.Equal(["a@example.com", "b@example.com", "c@example.com"], result.AcceptedRecipients);
        var rejected = Assert.Single(result.RejectedRecipients);
        Assert.Equal(("d@example.com", 550), (rejected.Address, rejected.StatusCode));
    }

    [Fact]
    public async Task SendAsync_RetryOfDeferredRecipientsRefusesThem_ReportsTheServersLastWordForEach()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? ScriptedTransport.Partly(["a@example.com"], new RejectedRecipient("b@example.com", 450, "4.2.1", "mailbox busy"), new RejectedRecipient("c@example.com", 450, "4.2.1", "mailbox busy"))
            : throw new EmailSendException(EmailErrorKind.RecipientsRejected, "every recipient refused")
            {
                StatusCode = 550,
                EnhancedStatusCode = "5.1.1",
                ServerText = "no such user",
                Recipients = [new RejectedRecipient("b@example.com", 550, "5.1.1", "no such user"), new RejectedRecipient("c@example.com", 552, "5.2.2", "mailbox full")],
            });
        await using var host = ResilienceTestHost.ForTransport(transport);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: ["a@example.com", "b@example.com", "c@example.com"]));

        Assert.Equal(2, result.Attempts);
        Assert.Equal(["a@example.com"], result.AcceptedRecipients);
        Assert.Equal(
            [("b@example.com", 550, "5.1.1", "no such user"), ("c@example.com", 552, "5.2.2", "mailbox full")],
            result.RejectedRecipients.Select(r => (r.Address, r.StatusCode, r.EnhancedStatusCode, r.ServerText)));
    }

    [Fact]
    public async Task SendAsync_RetryOfDeferredRecipientsFailsWithAReply_ReportsThatReplyForEachOfThem()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? ScriptedTransport.Partly(["a@example.com"], new RejectedRecipient("b@example.com", 450, "4.2.1", "mailbox busy"), new RejectedRecipient("c@example.com", 450, "4.2.1", "mailbox busy"))
            : throw new EmailSendException(EmailErrorKind.MessageRejected, "554 refused") { StatusCode = 554, EnhancedStatusCode = "5.7.1", ServerText = "spam" });
        await using var host = ResilienceTestHost.ForTransport(transport);

        var result = await host.Sender.SendAsync(TestMessages.Text(to: ["a@example.com", "b@example.com", "c@example.com"]));

        Assert.Equal(["a@example.com"], result.AcceptedRecipients);
        Assert.Equal(
            [("b@example.com", 554, "5.7.1", "spam"), ("c@example.com", 554, "5.7.1", "spam")],
            result.RejectedRecipients.Select(r => (r.Address, r.StatusCode, r.EnhancedStatusCode, r.ServerText)));
    }

    [Fact]
    public async Task SendAsync_RepeatedConnectionFailures_OpenTheCircuit_WhoseErrorKeepsTheCause()
    {
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(EmailErrorKind.ServerBusy, "421 busy")
        {
            IsTransient = true,
            StatusCode = 421,
            EnhancedStatusCode = "4.3.2",
            ServerText = "Service not available",
        });
        await using var host = ResilienceTestHost.ForTransport(transport, o => (o.Retry.Enabled, o.CircuitBreaker.MinimumThroughput) = (false, 2));

        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        var open = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(2, transport.Envelopes.Count);
        Assert.Contains("circuit is open", open.Message, StringComparison.Ordinal);
        Assert.Contains("421 busy", open.Message, StringComparison.Ordinal);
        Assert.Equal(EmailErrorKind.ServerBusy, open.Kind);
        Assert.True(open.IsTransient);
        Assert.Equal((421, "4.3.2", "Service not available"), (open.StatusCode, open.EnhancedStatusCode, open.ServerText));
        Assert.IsType<Polly.CircuitBreaker.BrokenCircuitException>(open.InnerException);
        Assert.Contains("BreakDuration", open.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_RepeatedRefusedConnections_OpenTheCircuitAsConnectionFailed()
    {
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(EmailErrorKind.ConnectionFailed, "refused") { IsTransient = true });
        await using var host = ResilienceTestHost.ForTransport(transport, o => (o.Retry.Enabled, o.CircuitBreaker.MinimumThroughput) = (false, 2));

        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
            Assert.DoesNotContain("circuit", error.Message, StringComparison.Ordinal);
        }

        var open = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(2, transport.Envelopes.Count);
        Assert.Equal(EmailErrorKind.ConnectionFailed, open.Kind);
        Assert.True(open.IsTransient);
        Assert.Null(open.StatusCode);
    }

    [Theory]
    [InlineData(EmailErrorKind.RecipientsRejected, 550)]
    [InlineData(EmailErrorKind.MessageRejected, 554)]
    [InlineData(EmailErrorKind.SenderRejected, 553)]
    public async Task SendAsync_RepeatedRefusalsOfTheMessage_DoNotOpenTheCircuit(EmailErrorKind kind, int code)
    {
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(kind, $"{code} refused") { StatusCode = code });
        await using var host = ResilienceTestHost.ForTransport(transport, o => (o.Retry.Enabled, o.CircuitBreaker.MinimumThroughput) = (false, 2));

        for (var i = 0; i < 4; i++)
        {
            var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
            Assert.Equal(kind, error.Kind);
            Assert.DoesNotContain("circuit", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(4, transport.Envelopes.Count);
    }

    [Fact]
    public async Task SendAsync_CircuitOpenedByAttemptTimeouts_IsATransientServerBusyError()
    {
        var transport = new HangingTransport();
        await using var host = ResilienceTestHost.ForTransport(transport, o =>
        {
            o.Retry.Enabled = false;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(50);
        });

        for (var i = 0; i < 2; i++)
        {
            var timeout = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
            Assert.Equal(EmailErrorKind.Timeout, timeout.Kind);
            Assert.True(timeout.IsTransient);
            Assert.Contains("timed out after 1 attempt(s)", timeout.Message, StringComparison.Ordinal);
            Assert.Contains("AttemptTimeout:Timeout", timeout.Hint, StringComparison.Ordinal);
        }

        var open = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(2, transport.Attempts);
        Assert.Equal(EmailErrorKind.ServerBusy, open.Kind);
        Assert.True(open.IsTransient);
        Assert.Null(open.StatusCode);
        Assert.EndsWith("repeated failures.", open.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_RepeatedAuthenticationFailures_OpenTheCircuitWithAHintAboutTheAccount()
    {
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(EmailErrorKind.AuthenticationFailed, "535 refused") { StatusCode = 535, EnhancedStatusCode = "5.7.8" });
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.CircuitBreaker.MinimumThroughput = 2);

        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        var open = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(2, transport.Envelopes.Count);
        Assert.Equal(EmailErrorKind.AuthenticationFailed, open.Kind);
        Assert.False(open.IsTransient);
        Assert.Contains("the account is not locked", open.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_PermanentFailureOnTheFirstAttempt_KeepsTheErrorAsIs()
    {
        var failure = new EmailSendException(EmailErrorKind.MessageRejected, "554 refused") { StatusCode = 554 };
        var transport = new ScriptedTransport((_, _) => throw failure);
        await using var host = ResilienceTestHost.ForTransport(transport);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal("554 refused", error.Message);
        Assert.Single(transport.Envelopes);
    }

    [Fact]
    public async Task SendAsync_RefusedByARateLimiterAddedWithConfigureResilience_IsATransientServerBusyError()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new GatedTransport(release.Task);
        await using var host = ResilienceTestHost.ForTransport(transport, o => o.Retry.Enabled = false, build: b => b.ConfigureResilience((pipeline, _) => pipeline.AddConcurrencyLimiter(permitLimit: 1, queueLimit: 0)));

        var first = host.Sender.SendAsync(TestMessages.Text());
        await Eventually.TrueAsync(() => transport.Attempts == 1, "the first send holding the only permit");
        var refused = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(EmailErrorKind.ServerBusy, refused.Kind);
        Assert.True(refused.IsTransient);
        Assert.Equal("Sending through gated: was refused by the rate limiter.", refused.Message);
        Assert.IsType<Polly.RateLimiting.RateLimiterRejectedException>(refused.InnerException);
        Assert.Equal(1, transport.Attempts);
    }

    [Fact]
    public async Task SendAsync_TotalTimeout_StopsTheRetriesOfAttemptsThatTimeOut()
    {
        var transport = new HangingTransport();
        await using var host = ResilienceTestHost.ForTransport(transport, o =>
        {
            o.Retry.MaxRetryAttempts = 9;
            o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(100);
            o.TotalTimeout.Timeout = TimeSpan.FromMilliseconds(250);
        });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        // Ten attempts of 100 ms would take a second; the total timeout ends the send after about three.
        Assert.Equal(EmailErrorKind.Timeout, error.Kind);
        Assert.InRange(transport.Attempts, 1, 5);
    }

    [Fact]
    public async Task SendAsync_OnRetryAndOnOpenedSetInTheOptions_AreCalledToo()
    {
        var (retries, opened) = (0, 0);
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(EmailErrorKind.ConnectionFailed, "refused") { IsTransient = true });
        await using var host = ResilienceTestHost.ForTransport(transport, o =>
        {
            o.Retry.MaxRetryAttempts = 1;
            o.Retry.OnRetry = _ =>
            {
                Interlocked.Increment(ref retries);
                return default;
            };
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.OnOpened = _ =>
            {
                Interlocked.Increment(ref opened);
                return default;
            };
        });

        await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(2, transport.Envelopes.Count);
        Assert.Equal(1, retries);
        Assert.Equal(1, opened);
    }

    [Fact]
    public async Task SendAsync_NullArguments_Throw()
    {
        await using var transport = Direct(new DisposableTransport(), owns: true);

        await Assert.ThrowsAsync<ArgumentNullException>(() => transport.SendAsync(null!, Envelope()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => transport.SendAsync(TestMessages.Text(), null!));
    }

    [Fact]
    public async Task SendAsync_Result_TakesMessageIdAndTransportFromTheDelivery()
    {
        await using var transport = Direct(new DisposableTransport(), owns: true);
        var message = TestMessages.Text();

        var result = await transport.SendAsync(message, Envelope());

        Assert.NotEqual("id", message.MessageId);
        Assert.Equal("id", result.MessageId);
        Assert.Equal("disposable:", transport.Name);
        Assert.Equal("scripted:", result.Transport);
    }

    [Fact]
    public async Task DisposeAsync_DisposesThePipelinesRateLimiters_FailingSendsStillQueued()
    {
        var time = new FakeTimeProvider();
        var options = new EmailResilienceOptions();
        options.RateLimit.MessagesPerMinute = 1;
        var transport = Direct(new DisposableTransport(), owns: true, options, time);
        await transport.SendAsync(TestMessages.Text(), Envelope());
        var queued = transport.SendAsync(TestMessages.Text(), Envelope());
        Assert.False(queued.IsCompleted);

        await transport.DisposeAsync();

        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => queued.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DisposeAsync_DisposesTheInnerTransportOnlyWhenItOwnsIt(bool owns)
    {
        var inner = new DisposableTransport();
        var transport = Direct(inner, owns);

        await transport.DisposeAsync();

        Assert.Equal(owns, inner.Disposed);
    }

    private static ResilientTransport Direct(IEmailTransport inner, bool owns, EmailResilienceOptions? options = null, TimeProvider? time = null) =>
        new(inner, owns, new EmailResiliencePipeline(options ?? new EmailResilienceOptions(), inner.Name, time ?? TimeProvider.System, MailSenderTelemetry.Shared, [], new ServiceCollection().BuildServiceProvider()));

    private static MailEnvelope Envelope() => new(new MimeKit.MailboxAddress("", TestMessages.From), [new MimeKit.MailboxAddress("", "rcpt@example.com")]);

    /// <summary>A transport whose sends complete when a gate opens.</summary>
    private sealed class GatedTransport(Task gate) : IEmailTransport
    {
        private int _attempts;

        public string Name => "gated:";

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _attempts);
            await gate.WaitAsync(cancellationToken);
            return ScriptedTransport.Accepted(envelope);
        }
    }

    /// <summary>A transport whose every attempt waits until it is cancelled.</summary>
    private sealed class HangingTransport : IEmailTransport
    {
        private int _attempts;

        public string Name => "hanging:";

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _attempts);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class DisposableTransport : IEmailTransport, IAsyncDisposable
    {
        public string Name => "disposable:";

        public bool Disposed { get; private set; }

        public Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
            Task.FromResult(ScriptedTransport.Accepted(envelope));

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
