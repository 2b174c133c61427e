using System.ComponentModel.DataAnnotations;

namespace MailSender.Outbox;

/// <summary>
/// Settings of the outbox (section <c>MailSender:Outbox</c>). The defaults follow Postfix's queue: retry after 5 minutes,
/// then after as long as the message has waited, at most 4,000 seconds apart, for at most 5 days.
/// </summary>
public sealed class OutboxOptions
{
    /// <summary>The store used when none is configured: an SQLite file in the current directory.</summary>
    public const string DefaultStore = "sqlite:mailsender-outbox.db";

    /// <summary>
    /// Gets or sets where messages are kept: <c>sqlite:PATH</c> (embedded, one machine) or <c>postgres:CONNECTION-STRING</c>
    /// (an Npgsql connection string or a <c>postgres://</c> URI; several machines; package MailSender.Outbox.PostgreSql).
    /// </summary>
    [Required]
    public string Store { get; set; } = DefaultStore;

    /// <summary>Gets or sets a value indicating whether the worker that delivers the messages runs in this application (on by default).</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>Gets or sets how many messages one worker sends at once (each holds a pooled connection while it sends).</summary>
    [Range(1, 1000)]
    public int Concurrency { get; set; } = 16;

    /// <summary>Gets or sets how often the worker looks for due messages when nothing wakes it (a new message in this process, or a PostgreSQL notification, wakes it at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long a worker holds a message it sends before another may take it over (renewed while the send
    /// runs). After a crash, its messages wait this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the shortest wait before a deferred message is tried again (Postfix's minimal_backoff_time).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MinimalBackoff { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets or sets the longest wait between attempts (Postfix's maximal_backoff_time); in between, the wait is as long as the message has been queued.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan MaximalBackoff { get; set; } = TimeSpan.FromSeconds(4000);

    /// <summary>Gets or sets how long a message is tried before it fails with "lifetime exceeded" (Postfix's maximal_queue_lifetime); zero tries once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan MaximalLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// Gets or sets a value indicating whether a message whose end may have been written, but whose reply was lost, is sent
    /// again (at-least-once: a recipient may get it twice) instead of being parked as <see cref="OutboxState.Uncertain"/> (at-most-once, the default).
    /// </summary>
    public bool AtLeastOnce { get; set; }

    /// <summary>Gets or sets the largest message the outbox takes, in bytes (25 MiB by default); larger ones are refused at enqueue.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxMessageSize { get; set; } = 25L * 1024 * 1024;

    /// <summary>Gets or sets a value indicating whether a delivered message's bytes are kept; by default they are deleted once it is sent (its metadata stays).</summary>
    public bool KeepBodies { get; set; }

    /// <summary>
    /// Gets or sets how long finished messages (sent, failed, uncertain, cancelled, bounced) are kept before the worker deletes them;
    /// <see langword="null"/> keeps them until purged by hand.
    /// </summary>
    public TimeSpan? RetainFinished { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Gets or sets a value indicating whether <see cref="IEmailSender"/> (the default, unnamed one) enqueues into the outbox
    /// instead of sending: existing callers then get a <see cref="SendResult"/> whose <see cref="SendResult.AcceptedRecipients"/>
    /// is empty and whose <see cref="SendResult.ServerResponse"/> is "queued as ID".
    /// </summary>
    public bool QueueSends { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the outbox may add its tables to an SQLite file that already holds other
    /// tables (the application's own, for transactional enqueue). Off, such a file is refused as foreign.
    /// </summary>
    public bool ShareDatabase { get; set; }

    /// <summary>
    /// Gets or sets a limit that holds across every worker on the store together (counted in the database); when not set,
    /// the delivering sender's <c>Resilience:RateLimit</c> (which provider presets fill in) is used.
    /// </summary>
    public EmailRateLimitOptions RateLimit { get; set; } = new();
}
