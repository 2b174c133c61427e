using MailSender.Diagnostics;
using MailSender.Dkim;
using MailSender.Internal;
using MimeKit;

namespace MailSender.Sending;

/// <summary>
/// The <see cref="IEmailSender"/> behind <c>AddMailSender</c>: checks each message, fills in defaults, signs it and hands it
/// to its transport (the resilience pipeline around the configured transport).
/// </summary>
internal sealed class DefaultEmailSender : IVerifiableEmailSender, IEnvelopeSender, IAsyncDisposable, IDisposable
{
    private readonly IEmailTransport _transport;
    private readonly IEmailTransport _delivering;
    private readonly bool _ownsTransport;
    private readonly MailboxAddress? _defaultFrom;
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;
    private readonly string _transportKind;
    private readonly bool _logRecipients;
    private readonly DkimMessageSigner? _signer;
    private int _disposed;

    /// <param name="transport">What a send goes through (the resilience pipeline, when on).</param>
    /// <param name="delivering">The transport that delivers, checked by <see cref="VerifyAsync"/> (a pipeline would retry a check).</param>
    /// <param name="ownsTransport">Whether disposing the sender disposes <paramref name="transport"/>.</param>
    /// <param name="defaultFrom">The sender of messages without From.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="telemetry">Where metrics, spans and logs go.</param>
    /// <param name="logRecipients">Whether log events may name recipients.</param>
    /// <param name="signer">The DKIM signer, or <see langword="null"/>.</param>
    public DefaultEmailSender(IEmailTransport transport, IEmailTransport delivering, bool ownsTransport, MailboxAddress? defaultFrom, TimeProvider timeProvider, MailSenderTelemetry telemetry, bool logRecipients = false, DkimMessageSigner? signer = null)
    {
        _transport = transport;
        _delivering = delivering;
        _ownsTransport = ownsTransport;
        _defaultFrom = defaultFrom;
        _timeProvider = timeProvider;
        _telemetry = telemetry;
        _signer = signer;

        // Once, not per send: the low-cardinality attribute of every span and measurement of this sender.
        _transportKind = TelemetryNames.TransportKind(transport.Name);
        _logRecipients = logRecipients;
    }

    /// <summary>Gets the transport that delivers, without the resilience pipeline around it.</summary>
    internal IEmailTransport Transport => _delivering;

    /// <summary>Gets a value indicating whether a message refused for some recipients throws (after it was delivered to the others).</summary>
    public bool ThrowOnPartialRejection { get; init; }

    /// <summary>Gets the sender's name, as interceptors and observers see it.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Gets the interceptors, in the order they run (the redirect, when on, last).</summary>
    public IReadOnlyList<IEmailInterceptor> Interceptors { get; init; } = [];

    /// <summary>Gets the observers, in the order they are told.</summary>
    public IReadOnlyList<IEmailObserver> Observers { get; init; } = [];

    /// <summary>
    /// Gets a value indicating whether every send reaches <see cref="DeliveryCheckpoint"/> before the write that may
    /// complete it (false for transports that do not report it, such as a user's own).
    /// </summary>
    internal bool ReportsFinalWrite => _transport is IReportsFinalWrite { ReportsFinalWrite: true };

    public Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) =>
        SendAsync(message, envelope: null, cancellationToken);

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="envelope"/>'s recipients instead of those of its headers (the
    /// outbox sends a deferred message again to the recipients that do not have it yet).
    /// </summary>
    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope? envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var started = _timeProvider.GetTimestamp();
        using var activity = MailSenderTelemetry.StartSend(_transportKind);
        var given = envelope;
        envelope = null;
        SendResult result;
        try
        {
            envelope = MessagePreparer.Prepare(message, _defaultFrom, given);
            if (Interceptors.Count > 0)
            {
                envelope = await InterceptAsync(message, envelope, given is not null, cancellationToken).ConfigureAwait(false);
            }

            // Once per send, after the message is final and before any transport (or retry) writes it.
            _signer?.Sign(message);

            MailSenderTelemetry.Prepared(activity, envelope);
            Log.SendStarting(_telemetry.Logger, message.MessageId, _transport.Name, envelope.Recipients.Count);
            result = await _transport.SendAsync(message, envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (EmailSendException ex)
        {
            // The reason may quote recipients (a server echoing <bob@example.com>): addresses are logged only by the opt-in events.
            Log.SendFailed(_telemetry.Logger, message.MessageId, _transport.Name, ex.Kind, Redaction.Addresses(ex.Message));
            var elapsed = _timeProvider.GetElapsedTime(started);
            _telemetry.Failed(activity, _transportKind, elapsed, ex, message.MessageId, envelope, _logRecipients);
            await ObserveAsync(message, envelope, ex.Kind == EmailErrorKind.DeliveryUncertain ? EmailSendOutcome.Uncertain : EmailSendOutcome.Failed, null, ex, elapsed, cancellationToken).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Cancellation, disposal: counted as failures with the exception type as error.type.
            var elapsed = _timeProvider.GetElapsedTime(started);
            _telemetry.Failed(activity, _transportKind, elapsed, ex, message.MessageId, envelope: null, logRecipients: false);
            await ObserveAsync(message, envelope, EmailSendOutcome.Failed, null, ex, elapsed, cancellationToken).ConfigureAwait(false);
            throw;
        }

        var total = _timeProvider.GetElapsedTime(started);
        if (ThrowOnPartialRejection && result.RejectedRecipients.Count > 0)
        {
            // Reported as a failure, as before there were observers; the observers learn it was sent to the accepted recipients.
            var partial = PartiallyRejected(result);
            Log.SendFailed(_telemetry.Logger, message.MessageId, _transport.Name, partial.Kind, Redaction.Addresses(partial.Message));
            _telemetry.Failed(activity, _transportKind, total, partial, message.MessageId, envelope, _logRecipients);
            await ObserveAsync(message, envelope, EmailSendOutcome.Sent, result.WithElapsed(total), partial, total, cancellationToken).ConfigureAwait(false);
            throw partial;
        }

        if (result.RejectedRecipients.Count > 0)
        {
            Log.RecipientsRejected(_telemetry.Logger, result.MessageId, _transport.Name, result.RejectedRecipients.Count, envelope.Recipients.Count);
        }

        Log.MessageSent(_telemetry.Logger, result.MessageId, _transport.Name, result.AcceptedRecipients.Count, (long)total.TotalMilliseconds);
        _telemetry.Sent(activity, _transportKind, total, result, _logRecipients);
        result = result.WithElapsed(total);
        await ObserveAsync(message, envelope, EmailSendOutcome.Sent, result, null, total, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Runs the interceptors in order, stops at a veto, and checks the message again: an interceptor may have added a
    /// header, a recipient or an attachment. A replaced envelope is kept; otherwise the envelope follows the headers.
    /// </summary>
    private async ValueTask<MailEnvelope> InterceptAsync(MimeMessage message, MailEnvelope envelope, bool envelopeGiven, CancellationToken cancellationToken)
    {
        var context = new EmailSendingContext(Name, message, envelope);
        foreach (var interceptor in Interceptors)
        {
            await interceptor.OnSendingAsync(context, cancellationToken).ConfigureAwait(false);
            if (context.VetoReason is { } reason)
            {
                var by = context.VetoedBy ?? interceptor.GetType().Name;
                Log.MessageVetoed(_telemetry.Logger, message.MessageId, by, Redaction.Addresses(reason));
                throw new EmailSendException(EmailErrorKind.Vetoed, $"The message was vetoed by {by}: {reason}") { Hint = context.VetoHint, Suppression = context.VetoSuppression };
            }
        }

        return MessagePreparer.Prepare(message, _defaultFrom, context.EnvelopeReplaced || envelopeGiven ? context.Envelope : null);
    }

    /// <summary>Tells each observer the outcome; an observer's failure is logged and never changes the outcome.</summary>
    private async ValueTask ObserveAsync(MimeMessage message, MailEnvelope? envelope, EmailSendOutcome outcome, SendResult? result, Exception? exception, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (Observers.Count == 0)
        {
            return;
        }

        var context = new EmailSendCompletedContext(Name, message, envelope, outcome, result, exception, elapsed);
        foreach (var observer in Observers)
        {
            try
            {
                await observer.OnSendCompletedAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller gave up waiting: not the observer's fault.
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.ObserverFailed(_telemetry.Logger, ex, observer.GetType().Name, message.MessageId);
            }
        }
    }

    public async Task<string> VerifyAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await TransportVerification.VerifyAsync(_delivering, cancellationToken).ConfigureAwait(false);
        return _delivering.Name;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsTransport)
        {
            return;
        }

        await TransportDisposal.DisposeAsync(_transport).ConfigureAwait(false);
    }

    // The container disposes what its factories returned, synchronously when it is disposed synchronously.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static EmailSendException PartiallyRejected(SendResult result)
    {
        var first = result.RejectedRecipients[0];
        return new EmailSendException(
            EmailErrorKind.RecipientsRejected,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The message was delivered to {result.AcceptedRecipients.Count} recipient(s), but refused for: ") + string.Join("; ", result.RejectedRecipients.Select(r => $"{r.Address} ({r.StatusCode} {r.ServerText})")))
        {
            // Delivered to the accepted recipients: sending the whole message again would duplicate it.
            StatusCode = first.StatusCode,
            EnhancedStatusCode = first.EnhancedStatusCode,
            ServerText = first.ServerText,
            Recipients = result.RejectedRecipients,
            Transport = result.Transport,
        };
    }
}
