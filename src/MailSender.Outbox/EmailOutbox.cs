using System.Diagnostics;
using System.Globalization;
using MailSender.Internal;
using MailSender.Outbox.Diagnostics;
using MailSender.Outbox.Storage;
using MailSender.Sending;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Outbox;

/// <summary>The <see cref="IEmailOutbox"/> behind <c>AddOutbox</c>.</summary>
internal sealed class EmailOutbox : IEmailOutbox
{
    private const int MaxIdempotencyKeyLength = 200;
    private readonly OutboxRuntime _runtime;
    private readonly IOptionsMonitor<MailSenderOptions> _senders;
    private readonly HashSet<string> _senderNames;

    public EmailOutbox(OutboxRuntime runtime, IOptionsMonitor<MailSenderOptions> senders, IEnumerable<string> senderNames)
    {
        _runtime = runtime;
        _senders = senders;
        _senderNames = new HashSet<string>(senderNames, StringComparer.Ordinal);
    }

    private IOutboxStore Store => _runtime.Store;

    public async Task<Guid> EnqueueAsync(MimeMessage message, OutboxEnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        _runtime.ThrowIfClosed();
        options ??= new OutboxEnqueueOptions();
        var senderName = options.SenderName ?? _runtime.DefaultSenderName;
        if (!_senderNames.Contains(senderName))
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"No sender named '{senderName}' is registered, so the outbox could not deliver the message; nothing was stored.")
            {
                Hint = "Register it with services.AddMailSender(\"" + senderName + "\", ...), or leave OutboxEnqueueOptions.SenderName unset.",
            };
        }

        if (options.IdempotencyKey is { } key && (key.Length == 0 || key.Length > MaxIdempotencyKeyLength))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"An idempotency key has 1 to {MaxIdempotencyKeyLength} characters."), nameof(options));
        }

        using var activity = OutboxTelemetry.ActivitySource.StartActivity("outbox enqueue");

        // The same checks and defaults as a send, so bad input fails now, with nothing stored.
        var senderOptions = _senders.Get(senderName);
        var defaultFrom = string.IsNullOrWhiteSpace(senderOptions.DefaultFrom) ? null : AddressParser.ParseMailbox(senderOptions.DefaultFrom, "DefaultFrom");
        var envelope = MessagePreparer.Prepare(message, defaultFrom, options.Envelope);

        var body = Serialize(message);
        if (body.Length > _runtime.Options.MaxMessageSize)
        {
            throw new EmailSendException(EmailErrorKind.MessageTooLarge, string.Create(CultureInfo.InvariantCulture, $"The message is {body.Length:N0} bytes, more than the outbox takes ({_runtime.Options.MaxMessageSize:N0}, MailSender:Outbox:MaxMessageSize); nothing was stored."))
            {
                Hint = "Send large files as links, or raise MailSender:Outbox:MaxMessageSize (the server's own limit still applies).",
            };
        }

        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var now = _runtime.TimeProvider.GetUtcNow();
        var trace = Activity.Current;
        var record = new NewMessage
        {
            Id = OutboxIds.New(now),
            IdempotencyKey = options.IdempotencyKey,
            SenderName = senderName,
            From = envelope.Sender.Address,
            Recipients = [.. envelope.Recipients.Select(r => r.Address)],
            MessageId = message.MessageId,
            Subject = message.Subject,
            Body = body,
            CreatedAt = now,
            NextAttemptAt = options.NotBefore is { } notBefore && notBefore > now ? notBefore : now,
            TraceParent = trace?.IdFormat == ActivityIdFormat.W3C ? trace.Id : null,
            TraceState = trace?.TraceStateString,
        };
        var (id, created) = await Store.EnqueueAsync(record, options.Transaction, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("mailsender.outbox.id", id.ToString());
        if (created)
        {
            _runtime.Telemetry.Enqueued(senderName);
            OutboxLog.Enqueued(_runtime.Telemetry.Logger, id, message.MessageId, senderName, record.Recipients.Count, body.Length);

            // In a caller's transaction the message is not visible until it commits; the worker's poll finds it then.
            if (options.Transaction is null)
            {
                _runtime.Wake.Set();
            }
        }

        return id;
    }

    public async Task<OutboxMessage?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxMessage>> ListAsync(OutboxState? state = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.ListAsync(state, limit, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RetryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var retried = await Store.RetryAsync(id, _runtime.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (retried)
        {
            _runtime.Wake.Set();
        }

        return retried;
    }

    public async Task<bool> CancelAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.CancelAsync(id, _runtime.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> PurgeAsync(DateTimeOffset finishedBefore, IReadOnlyCollection<OutboxState>? states = null, CancellationToken cancellationToken = default)
    {
        foreach (var state in states ?? [])
        {
            if (!OutboxStates.Final.Contains(state))
            {
                throw new ArgumentException($"Only finished messages can be purged (sent, failed, uncertain, cancelled, bounced), not {OutboxStates.Name(state)} ones: cancel them first.", nameof(states));
            }
        }

        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.PurgeAsync(finishedBefore, states is { Count: > 0 } ? states : OutboxStates.Final, cancellationToken).ConfigureAwait(false);
    }

    public async Task<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetStatisticsAsync(_runtime.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message as it will go on the wire (CRLF line ends), written once; the worker loads it back.</summary>
    private static byte[] Serialize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(WireFormat.Options, stream);
        return stream.ToArray();
    }
}
