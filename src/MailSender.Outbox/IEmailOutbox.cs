using MimeKit;

namespace MailSender.Outbox;

/// <summary>
/// A durable queue of outgoing mail: a message is committed to the database before <see cref="EnqueueAsync"/> returns,
/// and the outbox worker delivers it through a MailSender sender, with retries and back-off, recording each recipient's
/// outcome. Registered by <c>AddOutbox</c>.
/// </summary>
public interface IEmailOutbox
{
    /// <summary>
    /// Checks and prepares <paramref name="message"/> as a send would (From, recipients, addresses, header line breaks,
    /// Message-Id), then stores it with its envelope. Returns once the message is durably committed (or, with
    /// <see cref="OutboxEnqueueOptions.Transaction"/>, written in that transaction).
    /// </summary>
    /// <param name="message">The message; prepared in place (default From, Message-Id), then stored as bytes.</param>
    /// <param name="options">When, by which sender, idempotency, transaction; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the enqueue before it is committed.</param>
    /// <returns>The message's outbox id (the first one's, when the idempotency key was used before).</returns>
    /// <exception cref="EmailSendException">
    /// <see cref="EmailErrorKind.InvalidMessage"/> (nothing stored), <see cref="EmailErrorKind.MessageTooLarge"/> (over
    /// <see cref="OutboxOptions.MaxMessageSize"/>), or <see cref="EmailErrorKind.StorageFailed"/> (the database could not
    /// take it; <see cref="EmailSendException.IsTransient"/> when trying again may work).
    /// </exception>
    Task<Guid> EnqueueAsync(MimeMessage message, OutboxEnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Gets one message's state and recipients, or <see langword="null"/> when the id is unknown (or purged).</summary>
    /// <param name="id">The outbox id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The message, or <see langword="null"/>.</returns>
    Task<OutboxMessage?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Lists messages, oldest first, optionally in one state.</summary>
    /// <param name="state">The state, or <see langword="null"/> for all.</param>
    /// <param name="limit">At most this many (1 to 10,000).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The messages, with their recipients.</returns>
    Task<IReadOnlyList<OutboxMessage>> ListAsync(OutboxState? state = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues a failed or uncertain message again, now, for the recipients that do not have it (a deferred one is moved to
    /// now). An uncertain message may then be received twice: that is the decision this call makes. A
    /// <see cref="OutboxState.Bounced"/> message is not queued again, and a bounced recipient of a failed message stays
    /// bounced: a hard bounce says the address cannot get mail, and mailing it again hurts the sender's reputation.
    /// </summary>
    /// <param name="id">The outbox id.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>Whether the message was failed, uncertain or deferred (and is now queued); false for other states or unknown ids.</returns>
    Task<bool> RetryAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Cancels a message that is queued or deferred; one being sent cannot be stopped.</summary>
    /// <param name="id">The outbox id.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>Whether it was cancelled.</returns>
    Task<bool> CancelAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Deletes messages in a final state (sent, failed, uncertain, cancelled, bounced) that finished before <paramref name="finishedBefore"/>.</summary>
    /// <param name="finishedBefore">Only messages that finished before this time.</param>
    /// <param name="states">Only these final states; <see langword="null"/> or empty for all five.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>How many messages were deleted.</returns>
    Task<int> PurgeAsync(DateTimeOffset finishedBefore, IReadOnlyCollection<OutboxState>? states = null, CancellationToken cancellationToken = default);

    /// <summary>Counts the messages in each state.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The counts and the age of the oldest due message.</returns>
    Task<OutboxStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default);
}
