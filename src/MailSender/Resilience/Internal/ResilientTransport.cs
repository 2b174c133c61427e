using System.Globalization;
using System.Threading.RateLimiting;
using MailSender.Diagnostics;
using MailSender.Internal;
using Microsoft.Extensions.Logging;
using MimeKit;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace MailSender.Resilience.Internal;

/// <summary>
/// Wraps a transport in a Polly pipeline (rate limiter, total timeout, retry, circuit breaker, attempt timeout) and retries
/// only what cannot duplicate a message: recipients deferred with a 4xx reply are retried alone, with a narrowed envelope.
/// </summary>
internal sealed class ResilientTransport : IEmailTransport, ISizeAwareTransport, IAsyncDisposable
{
    private readonly IEmailTransport _inner;
    private readonly bool _ownsInner;
    private readonly ResilienceOptions _options;
    private readonly ResiliencePipeline<SendResult> _pipeline;
    private readonly List<IDisposable> _resources = [];
    private EmailSendException? _breakingFailure;

    public ResilientTransport(
        IEmailTransport inner,
        bool ownsInner,
        ResilienceOptions options,
        TimeProvider timeProvider,
        IServiceProvider services,
        IReadOnlyList<Action<ResiliencePipelineBuilder<SendResult>, IServiceProvider>> configure,
        MailSenderTelemetry? telemetry = null)
    {
        telemetry ??= MailSenderTelemetry.Shared;
        var logger = telemetry.Logger;
        var transportKind = TelemetryNames.TransportKind(inner.Name);
        _inner = inner;
        _ownsInner = ownsInner;
        _options = options;
        var builder = new ResiliencePipelineBuilder<SendResult> { Name = "MailSender", InstanceName = inner.Name, TimeProvider = timeProvider };
        if (options.Enabled)
        {
            AddRateLimiter(builder, options.MaxMessagesPerSecond, TimeSpan.FromSeconds(1), timeProvider);
            AddRateLimiter(builder, options.MaxMessagesPerMinute, TimeSpan.FromMinutes(1), timeProvider);
            builder.AddTimeout(options.TotalTimeout);
            if (options.MaxRetryAttempts > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<SendResult>
                {
                    MaxRetryAttempts = options.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.BaseDelay,
                    MaxDelay = options.MaxDelay,
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
                    OnRetry = args =>
                    {
                        Log.Retrying(logger, inner.Name, (long)args.RetryDelay.TotalMilliseconds, args.AttemptNumber + 1, Describe(args.Outcome));
                        telemetry.Retrying(transportKind, args.AttemptNumber + 1, args.Outcome.Exception);
                        return default;
                    },
                    DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                        args.Outcome.Exception is EmailSendException error && EmailResiliencePredicates.IsThrottling(error) ? options.ThrottledDelay : null),
                });
            }

            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<SendResult>
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(CountsAsFailure(args.Outcome.Exception)),
                OnOpened = args =>
                {
                    _breakingFailure = args.Outcome.Exception as EmailSendException;
                    Log.CircuitOpened(logger, inner.Name, (long)args.BreakDuration.TotalMilliseconds, Describe(args.Outcome));
                    return default;
                },
            });
            builder.AddTimeout(options.AttemptTimeout);
        }

        foreach (var step in configure)
        {
            step(builder, services);
        }

        _pipeline = builder.Build();
    }

    public string Name => _inner.Name;

    /// <summary>Gets the transport this one wraps.</summary>
    public IEmailTransport Inner => _inner;

    public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
        SendAsync(message, envelope, long.MaxValue, cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        var state = new SendState(_inner, message, envelope, sizeBound);
        try
        {
            await _pipeline.ExecuteAsync(static (s, token) => new ValueTask<SendResult>(s.AttemptAsync(token)), state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (state.Accepted.Count > 0 && ex is not EmailSendException { Kind: EmailErrorKind.DeliveryUncertain })
        {
            // Some recipients have the message (even if the caller gave up waiting for the others): report the others as
            // refused rather than fail the whole send, so nobody resends it to those who have it.
            state.FailRemaining(ex as EmailSendException);
        }
        catch (EmailSendException ex) when (state.Attempts > 1)
        {
            throw WithAttempts(ex, state.Attempts);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new EmailSendException(EmailErrorKind.Timeout, string.Create(CultureInfo.InvariantCulture, $"Sending through {Name} timed out after {state.Attempts} attempt(s) (attempt timeout {_options.AttemptTimeout}, total timeout {_options.TotalTimeout})."), ex)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "The server is slow or unreachable. Raise MailSender:Resilience:AttemptTimeout or TotalTimeout if it is just slow.",
            };
        }
        catch (BrokenCircuitException ex)
        {
            var cause = _breakingFailure;
            // This message was not sent at all, so an uncertain delivery that broke the circuit does not make it uncertain.
            var kind = cause is { Kind: not EmailErrorKind.DeliveryUncertain } ? cause.Kind : EmailErrorKind.ServerBusy;
            throw new EmailSendException(kind, $"Not sending through {Name}: the circuit is open after repeated failures" + (cause is null ? "." : $" (last: {cause.Message})"), ex)
            {
                IsTransient = cause is null || EmailResiliencePredicates.IsTransient(cause),
                StatusCode = cause?.StatusCode,
                EnhancedStatusCode = cause?.EnhancedStatusCode,
                ServerText = cause?.ServerText,
                Transport = Name,
                Hint = cause?.Kind == EmailErrorKind.AuthenticationFailed
                    ? "Sends are stopped for a while so the account is not locked by repeated failed logins: fix the credentials."
                    : "Sends fail at once for MailSender:Resilience:CircuitBreakerBreakDuration, then one is let through to test the server.",
            };
        }
        catch (RateLimiterRejectedException ex)
        {
            throw new EmailSendException(EmailErrorKind.ServerBusy, $"Sending through {Name} was refused by the rate limiter.", ex) { IsTransient = true, Transport = Name };
        }

        var result = state.Result(Name);
        if (_options.ThrowOnPartialRejection && result.RejectedRecipients.Count > 0)
        {
            var first = result.RejectedRecipients[0];
            throw new EmailSendException(
                EmailErrorKind.RecipientsRejected,
                string.Create(CultureInfo.InvariantCulture, $"The message was delivered to {result.AcceptedRecipients.Count} recipient(s), but refused for: ") + string.Join("; ", result.RejectedRecipients.Select(r => $"{r.Address} ({r.StatusCode} {r.ServerText})")))
            {
                // Delivered to the accepted recipients: sending the whole message again would duplicate it.
                IsTransient = false,
                StatusCode = first.StatusCode,
                EnhancedStatusCode = first.EnhancedStatusCode,
                ServerText = first.ServerText,
                Recipients = result.RejectedRecipients,
                Transport = Name,
            };
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }

        if (!_ownsInner)
        {
            return;
        }

        await TransportDisposal.DisposeAsync(_inner).ConfigureAwait(false);
    }

    private static EmailSendException WithAttempts(EmailSendException error, int attempts) =>
        new(error.Kind, string.Create(CultureInfo.InvariantCulture, $"{error.Message} (gave up after {attempts} attempts)"), error)
        {
            IsTransient = error.IsTransient,
            StatusCode = error.StatusCode,
            EnhancedStatusCode = error.EnhancedStatusCode,
            ServerText = error.ServerText,
            Recipients = error.Recipients,
            MayHaveBeenAccepted = error.MayHaveBeenAccepted,
            Hint = error.Hint,
            Transport = error.Transport,
        };

    private static string Describe(Outcome<SendResult> outcome) => outcome.Exception switch
    {
        EmailSendException error => $"{error.Kind}: {Redaction.Addresses(error.Message)}",
        { } exception => exception.GetType().Name,
        null => $"{outcome.Result?.RejectedRecipients.Count(r => r.IsTransient)} recipient(s) deferred",
    };

    private static bool CountsAsFailure(Exception? exception) => exception switch
    {
        TimeoutRejectedException => true,
        EmailSendException error => error.Kind is EmailErrorKind.ConnectionFailed or EmailErrorKind.TlsFailed or EmailErrorKind.AuthenticationFailed
            or EmailErrorKind.ServerBusy or EmailErrorKind.Timeout or EmailErrorKind.ProtocolError or EmailErrorKind.DeliveryUncertain,
        _ => false,
    };

    private bool ShouldRetry(Outcome<SendResult> outcome) =>
        EmailResiliencePredicates.IsTransient(outcome) ||
        (_options.AllowAtLeastOnce && outcome.Exception is EmailSendException { Kind: EmailErrorKind.DeliveryUncertain });

    private void AddRateLimiter(ResiliencePipelineBuilder<SendResult> builder, int? permits, TimeSpan period, TimeProvider timeProvider)
    {
        if (permits is not { } count)
        {
            return;
        }

        // Windows timed by the TimeProvider, so tests can drive them with a fake clock.
        var limiter = new TimeWindowRateLimiter(count, period, timeProvider);
        _resources.Add(limiter);
        builder.AddRateLimiter(limiter);
    }

    /// <summary>One message's progress across attempts: who has it, who is still to be tried.</summary>
    private sealed class SendState(IEmailTransport inner, MimeMessage message, MailEnvelope envelope, long sizeBound)
    {
        private readonly List<RejectedRecipient> _permanentlyRejected = [];
        private IReadOnlyList<MailboxAddress> _remaining = envelope.Recipients;
        private IReadOnlyList<RejectedRecipient> _deferred = [];
        private SendResult? _last;

        public List<string> Accepted { get; } = [];

        public int Attempts { get; private set; }

        public async Task<SendResult> AttemptAsync(CancellationToken cancellationToken)
        {
            Attempts++;
            var attemptEnvelope = ReferenceEquals(_remaining, envelope.Recipients) ? envelope : new MailEnvelope(envelope.Sender, _remaining);
            var result = await (inner is ISizeAwareTransport sized
                ? sized.SendAsync(message, attemptEnvelope, sizeBound, cancellationToken)
                : inner.SendAsync(message, attemptEnvelope, cancellationToken)).ConfigureAwait(false);
            _last = result;
            Accepted.AddRange(result.AcceptedRecipients);
            _permanentlyRejected.AddRange(result.RejectedRecipients.Where(r => !r.IsTransient));
            _deferred = result.RejectedRecipients.Where(r => r.IsTransient).ToArray();
            _remaining = _deferred.Count == 0
                ? []
                : attemptEnvelope.Recipients.Where(m => _deferred.Any(d => string.Equals(d.Address, m.Address, StringComparison.OrdinalIgnoreCase))).ToArray();
            return result;
        }

        /// <summary>A later attempt for the deferred recipients failed as a whole: they are refused, with the server's last word for each.</summary>
        public void FailRemaining(EmailSendException? error)
        {
            if (error is { Recipients.Count: > 0 })
            {
                _deferred = error.Recipients;
            }
            else if (error?.StatusCode is { } code)
            {
                _deferred = _remaining.Select(m => new RejectedRecipient(m.Address, code, error.EnhancedStatusCode, error.ServerText)).ToArray();
            }
        }

        public SendResult Result(string transport) => new()
        {
            MessageId = _last?.MessageId ?? message.MessageId ?? string.Empty,
            AcceptedRecipients = Accepted.ToArray(),
            RejectedRecipients = [.. _permanentlyRejected, .. _deferred],
            ServerResponse = _last?.ServerResponse,
            Transport = _last?.Transport ?? transport,
            FilePath = _last?.FilePath,
            Attempts = Attempts,
        };
    }
}
