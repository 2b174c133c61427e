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
    /// The server accepted it, and a delivery status notification later said it could not be delivered (a hard bounce,
    /// recorded by the bounce processor of MailSender.Deliverability). For a message: none of its recipients remains
    /// <see cref="Sent"/>. Final: never tried again, and a retry by hand does not resend to a bounced recipient.
    /// </summary>
    Bounced,
}
