using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Tests.Resilience;

/// <summary>
/// A sender built with <c>AddMailSender</c> and resilience on, with millisecond back-offs so retries run fast, and a
/// circuit breaker that stays closed unless a test lowers its threshold.
/// </summary>
internal sealed class ResilienceTestHost : IAsyncDisposable
{
    private readonly MailSenderHost _host;

    private ResilienceTestHost(MailSenderHost host)
    {
        _host = host;
    }

    public ServiceProvider Provider => _host.Provider;

    public IEmailSender Sender => _host.Sender;

    public static ResilienceTestHost ForSmtp(ScriptedSmtpServer server, Action<EmailResilienceOptions>? configure = null, string query = "security=none", string? user = null, string? password = null, Action<MailSenderOptions>? sender = null) =>
        Create(
            o =>
            {
                o.Transport = TestTransports.Smtp(server.Port, query, user, password);
                sender?.Invoke(o);
            },
            configure);

    public static ResilienceTestHost ForTransport(IEmailTransport transport, Action<EmailResilienceOptions>? configure = null, TimeProvider? timeProvider = null, Action<IMailSenderBuilder>? build = null) =>
        Create(_ => { }, configure, timeProvider, builder =>
        {
            builder.UseTransport(_ => transport);
            build?.Invoke(builder);
        });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static ResilienceTestHost Create(Action<MailSenderOptions> options, Action<EmailResilienceOptions>? configure, TimeProvider? timeProvider = null, Action<IMailSenderBuilder>? build = null) =>
        new(MailSenderHost.Build(
            o =>
            {
                options(o);
                o.Resilience.Retry.Delay = TimeSpan.FromMilliseconds(1);
                o.Resilience.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
                o.Resilience.Retry.ThrottledDelay = TimeSpan.FromMilliseconds(5);
                o.Resilience.CircuitBreaker.MinimumThroughput = 1000;
                configure?.Invoke(o.Resilience);
            },
            timeProvider,
            build));
}

/// <summary>A transport whose every attempt is decided by a function of the attempt number (from 1) and envelope; it records the envelopes.</summary>
internal sealed class ScriptedTransport(Func<int, MailEnvelope, SendResult> attempt) : IEmailTransport
{
    private readonly List<string[]> _envelopes = [];

    public string Name => "scripted:";

    public IReadOnlyList<string[]> Envelopes
    {
        get
        {
            lock (_envelopes)
            {
                return _envelopes.ToArray();
            }
        }
    }

    public static SendResult Accepted(MailEnvelope envelope) =>
        new() { MessageId = "id", Transport = "scripted:", AcceptedRecipients = envelope.Recipients.Select(r => r.Address).ToArray() };

    /// <summary>A result in which the server accepted <paramref name="accepted"/> and refused <paramref name="rejected"/>.</summary>
    public static SendResult Partly(IReadOnlyList<string> accepted, params RejectedRecipient[] rejected) =>
        new() { MessageId = "id", Transport = "scripted:", AcceptedRecipients = accepted, RejectedRecipients = rejected };

    public Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int number;
        lock (_envelopes)
        {
            _envelopes.Add(envelope.Recipients.Select(r => r.Address).ToArray());
            number = _envelopes.Count;
        }

        return Task.FromResult(attempt(number, envelope));
    }
}
