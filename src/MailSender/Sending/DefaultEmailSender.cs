using MailSender.Diagnostics;
using MailSender.Dkim;
using MailSender.Internal;
using MimeKit;

namespace MailSender.Sending;

/// <summary>
/// The <see cref="IEmailSender"/> behind <c>AddMailSender</c>: checks each message, fills in defaults, signs it and hands it
/// to its transport (the resilience pipeline around the configured transport).
/// </summary>
internal sealed class DefaultEmailSender : IVerifiableEmailSender, IAsyncDisposable, IDisposable
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
    internal async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope? envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var started = _timeProvider.GetTimestamp();
        using var activity = MailSenderTelemetry.StartSend(_transportKind);
        var given = envelope;
        envelope = null;
        try
        {
            envelope = MessagePreparer.Prepare(message, _defaultFrom, given);

            // Once per send, after the message is final and before any transport (or retry) writes it.
            _signer?.Sign(message);

            MailSenderTelemetry.Prepared(activity, envelope);
            Log.SendStarting(_telemetry.Logger, message.MessageId, _transport.Name, envelope.Recipients.Count);
            var result = await _transport.SendAsync(message, envelope, cancellationToken).ConfigureAwait(false);
            if (ThrowOnPartialRejection && result.RejectedRecipients.Count > 0)
            {
                throw PartiallyRejected(result);
            }

            var elapsed = _timeProvider.GetElapsedTime(started);
            if (result.RejectedRecipients.Count > 0)
            {
                Log.RecipientsRejected(_telemetry.Logger, result.MessageId, _transport.Name, result.RejectedRecipients.Count, envelope.Recipients.Count);
            }

            Log.MessageSent(_telemetry.Logger, result.MessageId, _transport.Name, result.AcceptedRecipients.Count, (long)elapsed.TotalMilliseconds);
            _telemetry.Sent(activity, _transportKind, elapsed, result, _logRecipients);
            return result.WithElapsed(elapsed);
        }
        catch (EmailSendException ex)
        {
            // The reason may quote recipients (a server echoing <bob@example.com>): addresses are logged only by the opt-in events.
            Log.SendFailed(_telemetry.Logger, message.MessageId, _transport.Name, ex.Kind, Redaction.Addresses(ex.Message));
            _telemetry.Failed(activity, _transportKind, _timeProvider.GetElapsedTime(started), ex, message.MessageId, envelope, _logRecipients);
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Cancellation, disposal: counted as failures with the exception type as error.type.
            _telemetry.Failed(activity, _transportKind, _timeProvider.GetElapsedTime(started), ex, message.MessageId, envelope: null, logRecipients: false);
            throw;
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
