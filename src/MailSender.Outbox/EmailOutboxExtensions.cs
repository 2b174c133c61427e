namespace MailSender.Outbox;

/// <summary>Shortcuts for <see cref="IEmailOutbox"/>, as <see cref="EmailSenderExtensions"/> offers for senders.</summary>
public static class EmailOutboxExtensions
{
    /// <summary>Enqueues a message built from text: the default From of the delivering sender, a text and/or HTML body.</summary>
    /// <param name="outbox">The outbox.</param>
    /// <param name="to">One or more addresses, comma-separated (<c>"Ann &lt;ann@example.com&gt;, bob@example.com"</c>).</param>
    /// <param name="subject">The subject.</param>
    /// <param name="text">The plain-text body, or <see langword="null"/>.</param>
    /// <param name="html">The HTML body, or <see langword="null"/>.</param>
    /// <param name="options">When, by which sender, idempotency, transaction; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the enqueue before it is committed.</param>
    /// <returns>The outbox id.</returns>
    /// <exception cref="EmailSendException">An address is malformed (<see cref="EmailErrorKind.InvalidMessage"/>), or as <see cref="IEmailOutbox.EnqueueAsync"/>.</exception>
    public static Task<Guid> EnqueueAsync(
        this IEmailOutbox outbox,
        string to,
        string subject,
        string? text,
        string? html = null,
        OutboxEnqueueOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(subject);

        return outbox.EnqueueAsync(EmailSenderExtensions.CreateMessage(to, subject, text, html), options, cancellationToken);
    }
}
