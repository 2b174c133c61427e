namespace MailSender.Outbox;

/// <summary>Where a message (or one of its recipients) stands in the outbox.</summary>
public enum OutboxState
{
    /// <summary>Waiting for its first attempt (possibly not before a set time).</summary>
    Queued,

    /// <summary>A worker holds it and is sending it now.</summary>
    Sending,

    /// <summary>An attempt failed for a reason that may pass (a 4xx reply, no connection): it is tried again at the next attempt time.</summary>
    Deferred,

    /// <summary>The server accepted it (for a message: every recipient did).</summary>
    Sent,

    /// <summary>Refused for good (a 5xx reply), or not delivered within the lifetime; never tried again unless retried by hand.</summary>
    Failed,

    /// <summary>
    /// The end of the message was written but its reply was never read (the connection or the worker died): the server may
    /// have it. Parked for a decision, so that nobody receives it twice; retry it by hand if a duplicate is acceptable.
    /// </summary>
    Uncertain,

    /// <summary>Cancelled before it was sent.</summary>
    Cancelled,

    /// <summary>
    /// Accepted by the server, then reported undeliverable by a delivery status notification: a hard bounce, matched by
    /// the message's Message-ID and the recipient's address (recorded by the bounce processor of
    /// MailSender.Deliverability through the handler <c>AddOutbox</c> registers). For a message: it was <see cref="Sent"/>
    /// and none of its recipients remains <see cref="Sent"/>. Final: never tried again automatically, and
    /// <see cref="IEmailOutbox.RetryAsync"/> neither queues a bounced message nor resends to a bounced recipient (a
    /// hard-bounced address must not be mailed again).
    /// </summary>
    Bounced,
}
