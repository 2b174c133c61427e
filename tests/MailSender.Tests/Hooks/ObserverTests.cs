using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace MailSender.Tests.Hooks;

public sealed class ObserverTests
{
    [Fact]
    public async Task SendAsync_Sent_ObserverToldSentWithResult()
    {
        var transport = new RecordingTransport();
        var observer = new RecordingObserver();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddObserver(_ => observer));

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        var seen = Assert.Single(observer.Seen);
        Assert.Equal(EmailSendOutcome.Sent, seen.Outcome);
        Assert.Same(result, seen.Result);
        Assert.Null(seen.Exception);
        Assert.Equal(["ann@example.com"], seen.Envelope!.Recipients.Select(r => r.Address));
        Assert.Equal(string.Empty, seen.SenderName);
    }

    [Theory]
    [InlineData(EmailErrorKind.RecipientsRejected, EmailSendOutcome.Failed)]
    [InlineData(EmailErrorKind.ConnectionFailed, EmailSendOutcome.Failed)]
    [InlineData(EmailErrorKind.DeliveryUncertain, EmailSendOutcome.Uncertain)]
    public async Task SendAsync_TransportFails_ObserverToldOutcomeAndException(EmailErrorKind kind, EmailSendOutcome expected)
    {
        var failure = new EmailSendException(kind, "it failed");
        var transport = new RecordingTransport { FailWith = failure };
        var observer = new RecordingObserver();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddObserver(_ => observer));

        await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message()));

        var seen = Assert.Single(observer.Seen);
        Assert.Equal(expected, seen.Outcome);
        Assert.Same(failure, seen.Exception);
        Assert.Null(seen.Result);
    }

    [Fact]
    public async Task SendAsync_InvalidMessage_ObserverToldFailedWithoutEnvelope()
    {
        var observer = new RecordingObserver();
        await using var provider = HookTestHost.Build(new RecordingTransport(), build: b => b.AddObserver(_ => observer));
        var message = HookTestHost.Message();
        message.To.Clear();

        await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(message));

        var seen = Assert.Single(observer.Seen);
        Assert.Equal(EmailSendOutcome.Failed, seen.Outcome);
        Assert.Equal(EmailErrorKind.InvalidMessage, Assert.IsType<EmailSendException>(seen.Exception).Kind);
        Assert.Null(seen.Envelope);
    }

    [Fact]
    public async Task SendAsync_Vetoed_ObserverToldFailedVetoed()
    {
        var observer = new RecordingObserver();
        await using var provider = HookTestHost.Build(new RecordingTransport(), build: b => b
            .AddInterceptor(_ => new DelegateInterceptor(c => c.Veto("quiet hours")))
            .AddObserver(_ => observer));

        await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message()));

        Assert.Equal(EmailErrorKind.Vetoed, Assert.IsType<EmailSendException>(Assert.Single(observer.Seen).Exception).Kind);
    }

    [Fact]
    public async Task SendAsync_ObserverThrows_OutcomeUnchangedFailureLoggedNextObserverTold()
    {
        var transport = new RecordingTransport();
        var logs = new CapturingLoggerProvider();
        var second = new RecordingObserver();
        await using var provider = HookTestHost.Build(transport, logs: logs, build: b => b
            .AddObserver(_ => new ThrowingObserver())
            .AddObserver(_ => second));

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Single(transport.Sent);
        Assert.Equal(EmailSendOutcome.Sent, Assert.Single(second.Seen).Outcome);
        Assert.Contains(logs.Events, e => e.Id == 163 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains(nameof(ThrowingObserver), StringComparison.Ordinal));
        Assert.NotNull(result);
    }

    [Fact]
    public async Task SendAsync_ThrowOnPartialRejection_ObserverToldSentAndCallerGetsTheRefusal()
    {
        var observer = new RecordingObserver();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMailSender(o => { o.DefaultFrom = "app@example.com"; o.Resilience.Enabled = false; o.ThrowOnPartialRejection = true; })
            .UseTransport(_ => new PartialTransport())
            .AddObserver(_ => observer);
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ann@example.com, bob@example.com")));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        var seen = Assert.Single(observer.Seen);
        Assert.Equal(EmailSendOutcome.Sent, seen.Outcome);
        Assert.Equal(["ann@example.com"], seen.Result!.AcceptedRecipients);
        Assert.Same(error, seen.Exception);
    }

    [Fact]
    public async Task SendAsync_GlobalAndOwnObservers_GlobalFirst()
    {
        var order = new List<string>();
        await using var provider = HookTestHost.Build(new RecordingTransport(), build: b =>
        {
            b.AddObserver(_ => new DelegateObserver(() => order.Add("own")));
            b.Services.AddSingleton<IEmailObserver>(new DelegateObserver(() => order.Add("global")));
        });

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Equal(["global", "own"], order);
    }

    private sealed class RecordingObserver : IEmailObserver
    {
        public List<EmailSendCompletedContext> Seen { get; } = [];

        public ValueTask OnSendCompletedAsync(EmailSendCompletedContext context, CancellationToken cancellationToken)
        {
            Seen.Add(context);
            return default;
        }
    }

    private sealed class ThrowingObserver : IEmailObserver
    {
        public ValueTask OnSendCompletedAsync(EmailSendCompletedContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("audit store down");
    }

    private sealed class DelegateObserver(Action action) : IEmailObserver
    {
        public ValueTask OnSendCompletedAsync(EmailSendCompletedContext context, CancellationToken cancellationToken)
        {
            action();
            return default;
        }
    }

    private sealed class PartialTransport : IEmailTransport
    {
        public string Name => "partial:";

        public Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
            Task.FromResult(new SendResult
            {
                MessageId = message.MessageId!,
                Transport = Name,
                AcceptedRecipients = ["ann@example.com"],
                RejectedRecipients = [new RejectedRecipient("bob@example.com", 550, "5.1.1", "no such user")],
            });
    }
}
