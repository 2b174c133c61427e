namespace MailSender.Outbox;

/// <summary>What the outbox knows about one message: its state, its recipients, and why it is where it is.</summary>
public sealed class OutboxMessage
{
    /// <summary>Gets the outbox id returned by <see cref="IEmailOutbox.EnqueueAsync"/>.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the message's state: <see cref="OutboxState.Sent"/> only when every recipient has it, <see cref="OutboxState.Failed"/> when any was refused for good.</summary>
    public required OutboxState State { get; init; }

    /// <summary>Gets the Message-Id header.</summary>
    public string? MessageId { get; init; }

    /// <summary>Gets the subject (for lists and <c>mailsender outbox show</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the envelope sender (MAIL FROM).</summary>
    public required string From { get; init; }

    /// <summary>Gets the name of the sender that delivers it (empty for the default one).</summary>
    public required string SenderName { get; init; }

    /// <summary>Gets the idempotency key given at enqueue, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets the size of the stored message in bytes.</summary>
    public long Size { get; init; }

    /// <summary>Gets when it was enqueued.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the next attempt is due (queued or deferred), or when the held message's lease ends (sending).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets how many attempts were made.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets what went wrong last, in plain words.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets the server's last reply code, if the last attempt got one.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Gets what to do about <see cref="LastError"/>, when MailSender knows.</summary>
    public string? Hint { get; init; }

    /// <summary>Gets when it reached a final state (sent, failed, uncertain or cancelled).</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets a value indicating whether the message itself is still stored (bodies are deleted once delivered, see <see cref="OutboxOptions.KeepBodies"/>).</summary>
    public bool HasBody { get; init; }

    /// <summary>Gets the recipients, in envelope order.</summary>
    public IReadOnlyList<OutboxRecipient> Recipients { get; init; } = [];
}
