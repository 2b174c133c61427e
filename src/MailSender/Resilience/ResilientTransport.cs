using System.Globalization;
using MailSender.Internal;
using MimeKit;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace MailSender.Resilience;

/// <summary>
/// Runs each send through the sender's Polly pipeline (<see cref="EmailResiliencePipeline"/>) and retries only what cannot
/// duplicate a message: recipients deferred with a 4xx reply are retried alone, with a narrowed envelope.
/// </summary>
internal sealed class ResilientTransport : IEmailTransport, IAsyncDisposable, Internal.IReportsFinalWrite
{
    private readonly IEmailTransport _inner;
    private readonly bool _ownsInner;
    private readonly EmailResiliencePipeline _pipeline;

    /// <param name="inner">The transport that delivers.</param>
    /// <param name="ownsInner">Whether disposing this transport disposes <paramref name="inner"/>.</param>
    /// <param name="pipeline">The pipeline; disposed with this transport (it owns rate limiters).</param>
    public ResilientTransport(IEmailTransport inner, bool ownsInner, EmailResiliencePipeline pipeline)
    {
        _inner = inner;
        _ownsInner = ownsInner;
        _pipeline = pipeline;
    }

    public string Name => _inner.Name;

    /// <inheritdoc/>
    public bool ReportsFinalWrite => _inner is Internal.IReportsFinalWrite { ReportsFinalWrite: true };

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        var state = new DeliveryProgress(_inner, message, envelope);
        try
        {
            await _pipeline.Pipeline.ExecuteAsync(static (s, token) => new ValueTask<SendResult>(s.AttemptAsync(token)), state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (state.Accepted.Count > 0 && ex is not EmailSendException { Kind: EmailErrorKind.DeliveryUncertain })
        {
            // Some recipients have the message (even if the caller gave up waiting for the others): report the others as
            // refused rather than fail the whole send, so nobody resends it to those who have it.
            state.FailRemaining(ex as EmailSendException);
        }
        catch (EmailSendException ex) when (state.Attempts > 1)
        {
            throw ex.WithMessage(string.Create(CultureInfo.InvariantCulture, $"{ex.Message} (gave up after {state.Attempts} attempts)"), ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new EmailSendException(EmailErrorKind.Timeout, string.Create(CultureInfo.InvariantCulture, $"Sending through {Name} timed out after {state.Attempts} attempt(s) (attempt timeout {_pipeline.AttemptTimeout}, total timeout {_pipeline.TotalTimeout})."), ex)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "The server is slow or unreachable. Raise MailSender:Resilience:AttemptTimeout:Timeout or TotalTimeout:Timeout if it is just slow.",
            };
        }
        catch (BrokenCircuitException ex)
        {
            var cause = _pipeline.BreakingFailure;

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
                    : "Sends fail at once for MailSender:Resilience:CircuitBreaker:BreakDuration, then one is let through to test the server.",
            };
        }
        catch (RateLimiterRejectedException ex)
        {
            throw new EmailSendException(EmailErrorKind.ServerBusy, $"Sending through {Name} was refused by the rate limiter.", ex) { IsTransient = true, Transport = Name };
        }

        return state.Result(Name);
    }

    public async ValueTask DisposeAsync()
    {
        _pipeline.Dispose();
        if (_ownsInner)
        {
            await TransportDisposal.DisposeAsync(_inner).ConfigureAwait(false);
        }
    }

    /// <summary>One message's progress across attempts: who has it, who is still to be tried.</summary>
    private sealed class DeliveryProgress(IEmailTransport inner, MimeMessage message, MailEnvelope envelope)
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
            var attemptEnvelope = ReferenceEquals(_remaining, envelope.Recipients) ? envelope : envelope.WithRecipients(_remaining);
            var result = await inner.SendAsync(message, attemptEnvelope, cancellationToken).ConfigureAwait(false);
            _last = result;
            Accepted.AddRange(result.AcceptedRecipients);
            if (result.RejectedRecipients.Count == 0)
            {
                _deferred = [];
                _remaining = [];
                return result;
            }

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

        /// <summary>What the send achieved over every attempt; after one attempt that every recipient accepted, the transport's own result.</summary>
        public SendResult Result(string transport) => Attempts == 1 && _last is { Attempts: 1, RejectedRecipients.Count: 0 } ? _last : new()
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
