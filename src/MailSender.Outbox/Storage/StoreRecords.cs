namespace MailSender.Outbox.Storage;

/// <summary>A message to store: its bytes as they go on the wire, its envelope, and what the worker needs to deliver it.</summary>
internal sealed class NewMessage
{
    public required Guid Id { get; init; }

    public string? IdempotencyKey { get; init; }

    /// <summary>Gets the delivering sender's name ("" for the default one).</summary>
    public required string SenderName { get; init; }

    public required string From { get; init; }

    public required IReadOnlyList<string> Recipients { get; init; }

    public string? MessageId { get; init; }

    public string? Subject { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>Gets the W3C traceparent of the enqueuing request, so delivery continues its trace.</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }
}

/// <summary>A message a worker holds: everything it needs to send it to the recipients that do not have it yet.</summary>
internal sealed class ClaimedMessage
{
    public required Guid Id { get; init; }

    /// <summary>Gets this claim's token; every later write on the message is fenced by it.</summary>
    public required Guid Lease { get; init; }

    public required string SenderName { get; init; }

    public required string From { get; init; }

    /// <summary>Gets the recipients still to be sent to (queued or deferred), with their position in the envelope.</summary>
    public required IReadOnlyList<(int Position, string Address)> Pending { get; init; }

    /// <summary>Gets the stored bytes, or null when they are gone (the message then fails: nothing can be sent).</summary>
    public byte[]? Body { get; init; }

    /// <summary>Gets the attempt number this claim is (1 for the first).</summary>
    public required int Attempts { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }
}

/// <summary>The outcome of one attempt, as the worker decided it, to record on a held message.</summary>
internal sealed class AttemptRecord
{
    public required Guid Id { get; init; }

    public required Guid Lease { get; init; }

    /// <summary>Gets the message's new state: deferred, sent, failed or uncertain.</summary>
    public required OutboxState State { get; init; }

    /// <summary>Gets the next attempt (deferred), else null.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    public string? LastError { get; init; }

    public int? LastStatusCode { get; init; }

    public string? Hint { get; init; }

    /// <summary>Gets when it finished (sent, failed, uncertain), else null.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets a value indicating whether the stored bytes are deleted now.</summary>
    public bool DeleteBody { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets the recipients whose state changed, by position.</summary>
    public required IReadOnlyList<RecipientUpdate> Recipients { get; init; }
}

/// <summary>One recipient's new state after an attempt.</summary>
internal readonly record struct RecipientUpdate(int Position, OutboxState State, int? StatusCode, string? EnhancedStatusCode, string? Reply);
