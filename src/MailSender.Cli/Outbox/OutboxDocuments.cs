using MailSender.Outbox;
using MailSender.Outbox.Storage;

namespace MailSender.Cli.Outbox;

/// <summary>One outbox message as <c>--json</c> prints it (states in lower case, as in the database).</summary>
internal sealed record OutboxMessageDocument(
    Guid Id,
    string State,
    string? MessageId,
    string? Subject,
    string From,
    string SenderName,
    string? IdempotencyKey,
    long Size,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    int Attempts,
    string? LastError,
    int? LastStatusCode,
    string? Hint,
    DateTimeOffset? FinishedAt,
    bool HasBody,
    IReadOnlyList<OutboxRecipientDocument> Recipients)
{
    public static OutboxMessageDocument Of(OutboxMessage message) => new(
        message.Id,
        OutboxStates.Name(message.State),
        message.MessageId,
        message.Subject,
        message.From,
        message.SenderName,
        message.IdempotencyKey,
        message.Size,
        message.CreatedAt,
        message.NextAttemptAt,
        message.Attempts,
        message.LastError,
        message.LastStatusCode,
        message.Hint,
        message.FinishedAt,
        message.HasBody,
        [.. message.Recipients.Select(r => new OutboxRecipientDocument(r.Address, OutboxStates.Name(r.State), r.StatusCode, r.EnhancedStatusCode, r.Reply, r.UpdatedAt))]);
}

/// <summary>One recipient of <see cref="OutboxMessageDocument"/>.</summary>
internal sealed record OutboxRecipientDocument(string Address, string State, int? StatusCode, string? EnhancedStatusCode, string? Reply, DateTimeOffset UpdatedAt);

/// <summary>What <c>send --outbox</c> prints with <c>--json</c>.</summary>
internal sealed record EnqueuedDocument(Guid Id, string State);

/// <summary>What <c>outbox import</c> prints with <c>--json</c>.</summary>
internal sealed record ImportDocument(int Imported, int AlreadyPresent, int Failed, IReadOnlyList<ImportFailureDocument> Failures);

/// <summary>A file <c>outbox import</c> could not store, and why.</summary>
internal sealed record ImportFailureDocument(string File, string Kind, string Message);

/// <summary>What <c>outbox retry</c>, <c>cancel</c> and <c>purge</c> print with <c>--json</c>: the state is the message's after the action, the reason why nothing changed.</summary>
internal sealed record OutboxChangeDocument(string Action, Guid? Id, bool Changed, int? Count, string? State, string? Reason);

/// <summary>What <c>worker</c> prints at the end with <c>--json</c>.</summary>
internal sealed record WorkerSummaryDocument(long Sent, long Deferred, long Failed, long Uncertain, int Released);
