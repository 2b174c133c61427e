using MailSender.Internal;
using Microsoft.Extensions.Logging;
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
    private readonly ILogger _logger;
    private readonly Dkim.DkimMessageSigner? _signer;
    private int _disposed;

    public DefaultEmailSender(IEmailTransport transport, bool ownsTransport, MailboxAddress? defaultFrom, TimeProvider timeProvider, ILogger logger, Dkim.DkimMessageSigner? signer = null)
    {
        _signer = signer;
        _transport = transport;
        _ownsTransport = ownsTransport;
        _defaultFrom = defaultFrom;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the transport that delivers, without the resilience wrapper.</summary>
    public IEmailTransport Transport => _transport is Resilience.Internal.ResilientTransport resilient ? resilient.Inner : _transport;

    public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var started = _timeProvider.GetTimestamp();
        try
        {
            var prepared = MessagePreparer.Prepare(message, _defaultFrom);

            // Once per send, after the message is final and before any transport (or retry) writes it.
            _signer?.Sign(message);
            var result = await (_transport is ISizeAwareTransport sized
                ? sized.SendAsync(message, prepared.Envelope, prepared.SizeBound, cancellationToken)
                : _transport.SendAsync(message, prepared.Envelope, cancellationToken)).ConfigureAwait(false);
            var elapsed = _timeProvider.GetElapsedTime(started);
            if (result.RejectedRecipients.Count > 0)
            {
                Log.RecipientsRejected(_logger, result.MessageId, _transport.Name, result.RejectedRecipients.Count, prepared.Envelope.Recipients.Count);
            }

            Log.MessageSent(_logger, result.MessageId, _transport.Name, result.AcceptedRecipients.Count, (long)elapsed.TotalMilliseconds);
            result.Elapsed = elapsed;
            return result;
        }
        catch (EmailSendException ex)
        {
            Log.SendFailed(_logger, message.MessageId, _transport.Name, ex.Kind, ex.Message);
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
