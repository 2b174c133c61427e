using System.Data.Common;
using MailSender.Outbox.Storage;

namespace MailSender.Outbox.Tests.Delivery;

/// <summary>Passes every call to a real store; subclasses inject faults.</summary>
internal class DelegatingStore(IOutboxStore inner) : IOutboxStore
{
    public string Description => inner.Description;

    public string Kind => inner.Kind;

    public virtual Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public virtual Task<(Guid Id, bool Created)> EnqueueAsync(NewMessage message, DbTransaction? transaction, CancellationToken cancellationToken) => inner.EnqueueAsync(message, transaction, cancellationToken);

    public virtual Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(int max, DateTimeOffset now, TimeSpan lease, bool atLeastOnce, CancellationToken cancellationToken) => inner.ClaimAsync(max, now, lease, atLeastOnce, cancellationToken);

    public virtual Task<bool> MarkFinalWriteAsync(Guid id, Guid lease, DateTimeOffset now, CancellationToken cancellationToken) => inner.MarkFinalWriteAsync(id, lease, now, cancellationToken);

    public virtual Task<IReadOnlyCollection<Guid>> RenewLeasesAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, DateTimeOffset until, CancellationToken cancellationToken) => inner.RenewLeasesAsync(held, until, cancellationToken);

    public virtual Task<bool> CompleteAttemptAsync(AttemptRecord record, CancellationToken cancellationToken) => inner.CompleteAttemptAsync(record, cancellationToken);

    public virtual Task ReleaseAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, CancellationToken cancellationToken) => inner.ReleaseAsync(held, cancellationToken);

    public virtual Task<OutboxMessage?> GetAsync(Guid id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public virtual Task<IReadOnlyList<OutboxMessage>> ListAsync(OutboxState? state, int limit, CancellationToken cancellationToken) => inner.ListAsync(state, limit, cancellationToken);

    public virtual Task<bool> RetryAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) => inner.RetryAsync(id, now, cancellationToken);

    public virtual Task<bool> CancelAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) => inner.CancelAsync(id, now, cancellationToken);

    public virtual Task<int> PurgeAsync(DateTimeOffset finishedBefore, IReadOnlyCollection<OutboxState> states, CancellationToken cancellationToken) => inner.PurgeAsync(finishedBefore, states, cancellationToken);

    public virtual Task<OutboxStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken) => inner.GetStatisticsAsync(now, cancellationToken);

    public virtual Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken) => inner.GetNextDueAsync(cancellationToken);

    public virtual Task<long> CountSendingAsync(CancellationToken cancellationToken) => inner.CountSendingAsync(cancellationToken);

    public virtual Task<int> TakePermitsAsync(string key, int wanted, int limit, TimeSpan window, CancellationToken cancellationToken) => inner.TakePermitsAsync(key, wanted, limit, window, cancellationToken);

    public virtual Task<IAsyncDisposable?> ListenAsync(Action wake, CancellationToken cancellationToken) => inner.ListenAsync(wake, cancellationToken);

    public virtual Task<int> MarkBouncedAsync(string messageId, string address, string? enhancedStatusCode, string? reply, DateTimeOffset now, CancellationToken cancellationToken) => inner.MarkBouncedAsync(messageId, address, enhancedStatusCode, reply, now, cancellationToken);

    public virtual Task<EmailSuppression?> FindSuppressionAsync(string address, string? list, CancellationToken cancellationToken) => inner.FindSuppressionAsync(address, list, cancellationToken);

    public virtual Task AddSuppressionAsync(EmailSuppression suppression, CancellationToken cancellationToken) => inner.AddSuppressionAsync(suppression, cancellationToken);

    public virtual Task<bool> RemoveSuppressionAsync(string address, string? list, CancellationToken cancellationToken) => inner.RemoveSuppressionAsync(address, list, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A store whose final-write records fail (the database went away at that moment).</summary>
internal sealed class RefusingCheckpointStore(IOutboxStore inner) : DelegatingStore(inner)
{
    public override Task<bool> MarkFinalWriteAsync(Guid id, Guid lease, DateTimeOffset now, CancellationToken cancellationToken) =>
        throw new EmailSendException(EmailErrorKind.StorageFailed, "The database is unreachable.") { IsTransient = true };

    // The outcome cannot be recorded either: the message stays held until its lease expires.
    public override Task<bool> CompleteAttemptAsync(AttemptRecord record, CancellationToken cancellationToken) =>
        throw new EmailSendException(EmailErrorKind.StorageFailed, "The database is unreachable.");
}

/// <summary>A store that is unreachable for the next few claims.</summary>
internal sealed class FlakyStore(IOutboxStore inner) : DelegatingStore(inner)
{
    public int FailuresLeft { get; set; }

    public override Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(int max, DateTimeOffset now, TimeSpan lease, bool atLeastOnce, CancellationToken cancellationToken)
    {
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            throw new EmailSendException(EmailErrorKind.StorageFailed, "The database is unreachable.") { IsTransient = true };
        }

        return base.ClaimAsync(max, now, lease, atLeastOnce, cancellationToken);
    }
}
