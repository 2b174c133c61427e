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
            ? new SendResult
            {
                MessageId = "id",
                Transport = "scripted:",
                AcceptedRecipients = ["a@example.com"],
                RejectedRecipients = [new RejectedRecipient("b@example.com", 451, "4.3.0", "try later")],
            }
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
        var transport = new ScriptedTransport((_, envelope) => new SendResult
        {
            MessageId = "id",
            Transport = "scripted:",
            AcceptedRecipients = ["a@example.com"],
            RejectedRecipients = [new RejectedRecipient("b@example.com", 450, "4.2.1", "busy")],
        });
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
}
