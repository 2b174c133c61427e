using System.Data.Common;

namespace MailSender.Outbox.Storage;

/// <summary>
/// Where the outbox keeps its messages: SQLite (<c>sqlite:PATH</c>) or PostgreSQL (<c>postgres:...</c>). A store only
/// persists; what a reply means (which state, when to try again) is decided by the worker (<c>Delivery/AttemptJudge</c>).
/// </summary>
/// <remarks>
/// <para>Times are the application's clock (<see cref="TimeProvider"/>), passed in by the caller, so that tests can move
/// them and the machines of one PostgreSQL outbox need only NTP-synchronised clocks (leases are minutes long).</para>
/// <para>Every write that changes a held message is fenced by the claim's <see cref="ClaimedMessage.Lease"/> token: when
/// the lease was taken over by another worker, the write changes nothing and returns <see langword="false"/>.</para>
/// <para>The same conformance suite (tests/MailSender.Outbox.Tests/StoreConformanceTests) runs against every store.</para>
/// </remarks>
internal interface IOutboxStore : IAsyncDisposable
{
    /// <summary>Gets the store as the user wrote it, without any password (for logs and errors).</summary>
    string Description { get; }

    /// <summary>Gets a short kind for telemetry: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Kind { get; }

    /// <summary>
    /// Opens the database and creates or upgrades the schema (versioned in table <c>mailsender_outbox_schema</c>); fails
    /// with <see cref="EmailErrorKind.Configuration"/> for a file that is not a database, a foreign one, or a schema newer
    /// than this version knows. Idempotent, safe to run from several processes at once.
    /// </summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new message. With an idempotency key that exists already, stores nothing and returns the existing id with
    /// <c>Created = false</c>. With <paramref name="transaction"/>, writes in it (the caller commits); else commits durably
    /// before returning. Throws <see cref="EmailSendException"/> (<see cref="EmailErrorKind.StorageFailed"/>, transient
    /// when the database is unreachable or busy) with nothing half-written.
    /// </summary>
    Task<(Guid Id, bool Created)> EnqueueAsync(NewMessage message, DbTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: (1) takes back expired leases (<c>state = sending</c> and <c>lease_until &lt;= now</c>): a message
    /// whose final write was not reached (<c>final_write_at</c> null) returns to its <c>prior_state</c> (queued or deferred),
    /// due now, with last_error "The worker that held it stopped before the end of the message was written: it is sent
    /// again."; one whose final write was reached becomes <c>uncertain</c> (its pending recipients too), finished_at = now,
    /// last_error "The worker that held it stopped after the end of the message may have been written: the server may
    /// have it.", or, with <paramref name="atLeastOnce"/>, returns to deferred due now with final_write_at cleared; (2) claims
    /// up to <paramref name="max"/> messages in state queued or deferred with <c>next_attempt_at &lt;= now</c>, ordered by
    /// next_attempt_at then id, skipping rows that other workers hold locked (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>):
    /// prior_state = state, prior_next_attempt_at = next_attempt_at, state = sending, lease = a new token, lease_until =
    /// now + lease, attempts + 1. Returns them with their bytes and their pending recipients (state queued or deferred).
    /// </summary>
    Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(int max, DateTimeOffset now, TimeSpan lease, bool atLeastOnce, CancellationToken cancellationToken);

    /// <summary>
    /// Records durably that the end of the held message may be written from now on (<c>final_write_at = now</c>), if the
    /// lease is still this claim's and not expired; returns false (and the caller must not write the end) otherwise.
    /// Stores may batch concurrent calls into one commit.
    /// </summary>
    Task<bool> MarkFinalWriteAsync(Guid id, Guid lease, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Extends the leases of held messages to <paramref name="until"/>; returns the ids whose lease was lost (taken over or unknown).</summary>
    Task<IReadOnlyCollection<Guid>> RenewLeasesAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>
    /// Records the outcome of an attempt on a held message, fenced by its lease: sets the message's state, next attempt,
    /// last error/status/hint, finished_at, clears the lease and final-write mark, deletes the bytes when asked, and updates
    /// each listed recipient. Returns false when the lease was lost (nothing changed).
    /// </summary>
    Task<bool> CompleteAttemptAsync(AttemptRecord record, CancellationToken cancellationToken);

    /// <summary>Gives back held messages that were not sent (graceful shutdown): state back to <c>prior_state</c>, due at their previous next attempt, attempts - 1, lease cleared. Only those whose final write was not reached.</summary>
    Task ReleaseAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, CancellationToken cancellationToken);

    /// <summary>Gets a message with its recipients, or null.</summary>
    Task<OutboxMessage?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Lists messages oldest first (created_at, then id), with their recipients.</summary>
    Task<IReadOnlyList<OutboxMessage>> ListAsync(OutboxState? state, int limit, CancellationToken cancellationToken);

    /// <summary>Failed, uncertain or deferred -> queued due now, finished_at cleared; recipients failed/uncertain/deferred -> queued (sent ones stay sent). False otherwise.</summary>
    Task<bool> RetryAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Queued or deferred -> cancelled (and their pending recipients), finished_at = now. False otherwise.</summary>
    Task<bool> CancelAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes messages in the given final states with finished_at before the time; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset finishedBefore, IReadOnlyCollection<OutboxState> states, CancellationToken cancellationToken);

    /// <summary>Counts per state, and the age at <paramref name="now"/> of the oldest due message (now - its next_attempt_at).</summary>
    Task<OutboxStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gets the earliest next_attempt_at of queued or deferred messages, or null when none wait.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken);

    /// <summary>Gets the number of messages in state sending (held by some worker).</summary>
    Task<long> CountSendingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <paramref name="wanted"/> permits from a limit shared by every worker of this store: at most
    /// <paramref name="limit"/> per <paramref name="window"/> for <paramref name="key"/>, counted in the database (windows
    /// aligned on the database's clock for PostgreSQL). Returns how many were granted (0 when the window is used up).
    /// </summary>
    Task<int> TakePermitsAsync(string key, int wanted, int limit, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a recipient bounced after the server had accepted it (a hard bounce reported by a delivery status
    /// notification): every recipient <paramref name="address"/> (trimmed, ordinal ignore-case, as the suppression list
    /// compares) in state <c>sent</c> of a message whose Message-ID is exactly <paramref name="messageId"/> (stored as
    /// MimeKit gives it, without angle brackets) becomes <c>bounced</c> with the report's enhanced status and words as its
    /// reply, no SMTP status code (the 250 was the acceptance the bounce overturned), updated_at = now; such a message
    /// becomes <c>bounced</c> when it was <c>sent</c> and none of its recipients remains <c>sent</c>. Idempotent; returns
    /// how many recipients changed.
    /// </summary>
    Task<int> MarkBouncedAsync(string messageId, string address, string? enhancedStatusCode, string? reply, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Finds the suppression of <paramref name="address"/> (by <see cref="OutboxStates.AddressKey"/>: trimmed, ordinal
    /// ignore-case, as the in-memory list compares): a global entry first, else one for <paramref name="list"/>
    /// (compared exactly). Null when there is none.
    /// </summary>
    Task<EmailSuppression?> FindSuppressionAsync(string address, string? list, CancellationToken cancellationToken);

    /// <summary>Records a suppression unless one exists for the same address and list (the first one is kept: its reason and time).</summary>
    Task AddSuppressionAsync(EmailSuppression suppression, CancellationToken cancellationToken);

    /// <summary>Removes the suppression of <paramref name="address"/> for <paramref name="list"/> (null: the global one); false when there was none.</summary>
    Task<bool> RemoveSuppressionAsync(string address, string? list, CancellationToken cancellationToken);

    /// <summary>
    /// Starts listening for new messages from other processes (PostgreSQL: LISTEN on channel <c>mailsender_outbox</c>,
    /// notified by every enqueue's transaction); calls <paramref name="wake"/> for each. Returns null when the store has no
    /// such thing (SQLite: the outbox wakes its own worker, other processes poll). Reconnects by itself after a failure.
    /// </summary>
    Task<IAsyncDisposable?> ListenAsync(Action wake, CancellationToken cancellationToken);
}
