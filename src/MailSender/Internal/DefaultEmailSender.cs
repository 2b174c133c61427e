using MailSender.Diagnostics;
using MailSender.Internal;
using MimeKit;

namespace MailSender;

/// <summary>
/// The <see cref="IEmailSender"/> behind <c>AddMailSender</c>: validates each message, fills in defaults and hands it to one transport.
/// </summary>
internal sealed class DefaultEmailSender : IEmailSender, IAsyncDisposable, IDisposable
{
    private readonly IEmailTransport _transport;
    private readonly bool _ownsTransport;
    private readonly MailboxAddress? _defaultFrom;
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;
    private readonly string _transportKind;
    private readonly bool _logRecipients;
    private readonly Dkim.DkimMessageSigner? _signer;
    private int _disposed;

    public DefaultEmailSender(IEmailTransport transport, bool ownsTransport, MailboxAddress? defaultFrom, TimeProvider timeProvider, MailSenderTelemetry? telemetry = null, bool logRecipients = false, Dkim.DkimMessageSigner? signer = null)
    {
        _signer = signer;
        _transport = transport;
        _ownsTransport = ownsTransport;
        _defaultFrom = defaultFrom;
        _timeProvider = timeProvider;
        _telemetry = telemetry ?? MailSenderTelemetry.Shared;

        // Once, not per send: the low-cardinality attribute of every span and measurement of this sender.
        _transportKind = TelemetryNames.TransportKind(transport.Name);
        _logRecipients = logRecipients;
    }

    /// <summary>Gets the transport that delivers, without the resilience wrapper.</summary>
    public IEmailTransport Transport => _transport is Resilience.Internal.ResilientTransport resilient ? resilient.Inner : _transport;

    public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var started = _timeProvider.GetTimestamp();
        using var activity = MailSenderTelemetry.StartSend(_transportKind);
        MailEnvelope? envelope = null;
        try
        {
            var prepared = MessagePreparer.Prepare(message, _defaultFrom);
            envelope = prepared.Envelope;

            // Once per send, after the message is final and before any transport (or retry) writes it.
            var sizeBound = prepared.SizeBound;
            if (_signer is not null)
            {
                // The bound already allows 3 times the content, more than signing's 7-bit re-encoding takes (base64, or
                // quoted-printable for mostly-ASCII text); only the added header is new, counted as CheckHeaders counts one.
                var signature = _signer.Sign(message);
                sizeBound += 2L * (signature.Field.Length + signature.RawValue.Length + 4);
            }

            MailSenderTelemetry.Prepared(activity, envelope);
            SenderLog.SendStarting(_telemetry.Logger, message.MessageId, _transport.Name, envelope.Recipients.Count);
            var result = await (_transport is ISizeAwareTransport sized
                ? sized.SendAsync(message, prepared.Envelope, sizeBound, cancellationToken)
                : _transport.SendAsync(message, prepared.Envelope, cancellationToken)).ConfigureAwait(false);
            var elapsed = _timeProvider.GetElapsedTime(started);
            if (result.RejectedRecipients.Count > 0)
            {
                Log.RecipientsRejected(_telemetry.Logger, result.MessageId, _transport.Name, result.RejectedRecipients.Count, prepared.Envelope.Recipients.Count);
            }

            Log.MessageSent(_telemetry.Logger, result.MessageId, _transport.Name, result.AcceptedRecipients.Count, (long)elapsed.TotalMilliseconds);
            _telemetry.Sent(activity, _transportKind, elapsed, result, _logRecipients);
            result.Elapsed = elapsed;
            return result;
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

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsTransport)
        {
            return;
        }

        await TransportDisposal.DisposeAsync(_transport).ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
