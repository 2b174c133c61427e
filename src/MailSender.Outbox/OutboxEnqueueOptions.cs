using System.Data.Common;

namespace MailSender.Outbox;

/// <summary>How one message is put into the outbox.</summary>
public sealed class OutboxEnqueueOptions
{
    /// <summary>Gets the earliest time the message may be sent; <see langword="null"/> sends it as soon as a worker is free.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>
    /// Gets a key that makes the enqueue idempotent: a second enqueue with the same key stores nothing and returns the first
    /// message's id (for as long as that message is kept, see <see cref="OutboxOptions.RetainFinished"/>). At most 200 characters.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets the name of the sender (<c>AddMailSender(name, ...)</c>) that delivers the message; <see langword="null"/> for the outbox's own.</summary>
    public string? SenderName { get; init; }

    /// <summary>
    /// Gets the envelope to deliver to (MAIL FROM and RCPT TO) instead of the one taken from the headers (From, To, Cc,
    /// Bcc), as a pickup file's <c>X-Sender</c>/<c>X-Receiver</c> give it. Its addresses are checked like the headers'.
    /// </summary>
    public MailEnvelope? Envelope { get; init; }

    /// <summary>
    /// Gets the application's open transaction to enqueue in (the transactional outbox): the message exists if and only if
    /// that transaction commits. It must be a transaction on the outbox's own database: a <c>SqliteTransaction</c> on the
    /// same file, or an <c>NpgsqlTransaction</c> on the same PostgreSQL database. The id is returned before the commit.
    /// </summary>
    public DbTransaction? Transaction { get; init; }
}
