using MailSender.Tests.Diagnostics;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;

namespace MailSender.Tests.Resilience;

/// <summary>What the resilience pipeline logs: each retry with its delay, number and reason, and an opened circuit.</summary>
public sealed class ResilienceLoggingTests
{
    [Fact]
    public async Task SendAsync_RetriedError_LogsDelayRetryNumberAndReasonWithoutAddresses()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt < 3
            ? throw new EmailSendException(EmailErrorKind.ServerBusy, "421 busy for ann@example.com") { StatusCode = 421, IsTransient = true }
            : ScriptedTransport.Accepted(envelope));
        await using var capture = Capture(transport, o => (o.Retry.BackoffType, o.Retry.UseJitter, o.Retry.Delay) = (DelayBackoffType.Constant, false, TimeSpan.FromMilliseconds(3)));

        await capture.Sender.SendAsync(TestMessages.Text());

        var retries = capture.Logs.Events.Where(e => e.Id == 10).ToArray();
        Assert.Equal(2, retries.Length);
        Assert.All(retries, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.EndsWith("in 3 ms (retry 1) after: ServerBusy: 421 busy for [address]", retries[0].Message, StringComparison.Ordinal);
        Assert.EndsWith("in 3 ms (retry 2) after: ServerBusy: 421 busy for [address]", retries[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_DeferredRecipients_LogsHowManyAreRetried()
    {
        var transport = new ScriptedTransport((attempt, envelope) => attempt == 1
            ? ScriptedTransport.Partly(["a@example.com"], new RejectedRecipient("b@example.com", 451, "4.3.0", "later"), new RejectedRecipient("c@example.com", 450, "4.2.1", "busy"))
            : ScriptedTransport.Accepted(envelope));
        await using var capture = Capture(transport);

        await capture.Sender.SendAsync(TestMessages.Text(to: ["a@example.com", "b@example.com", "c@example.com"]));

        var retry = Assert.Single(capture.Logs.Events, e => e.Id == 10);
        Assert.EndsWith("(retry 1) after: 2 recipient(s) deferred", retry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_CircuitOpens_LogsAWarningWithTheBreakDurationAndReason()
    {
        var transport = new ScriptedTransport((_, _) => throw new EmailSendException(EmailErrorKind.ServerBusy, "421 busy for ann@example.com") { StatusCode = 421, IsTransient = true });
        await using var capture = Capture(transport, o =>
        {
            o.Retry.Enabled = false;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        });

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text()));
        }

        var opened = Assert.Single(capture.Logs.Events, e => e.Id == 11);
        Assert.Equal(LogLevel.Warning, opened.Level);
        Assert.EndsWith("opened for 30000 ms after: ServerBusy: 421 busy for [address]", opened.Message, StringComparison.Ordinal);
    }

    private static TelemetryCapture Capture(ScriptedTransport transport, Action<EmailResilienceOptions>? configure = null) => TelemetryCapture.Build(
        o =>
        {
            o.Resilience.Retry.Delay = TimeSpan.FromMilliseconds(1);
            o.Resilience.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            o.Resilience.Retry.ThrottledDelay = TimeSpan.FromMilliseconds(5);
            o.Resilience.CircuitBreaker.MinimumThroughput = 1000;
            configure?.Invoke(o.Resilience);
        },
        builder => builder.UseTransport(_ => transport));
}
