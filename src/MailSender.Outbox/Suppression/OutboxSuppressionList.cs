namespace MailSender.Outbox.Suppression;

/// <summary>
/// The suppression list kept in the outbox's database (table <c>mailsender_suppressions</c>, SQLite or PostgreSQL), so
/// it survives restarts and is shared by every machine of a PostgreSQL outbox. Same rules as the in-memory list:
/// addresses compare without case, lists exactly, and a global entry suppresses every list.
/// </summary>
internal sealed class OutboxSuppressionList(OutboxRuntime runtime) : IEmailSuppressionList
{
    public async ValueTask<EmailSuppression?> FindAsync(string address, string? list, CancellationToken cancellationToken = default)
    {
        EmailSuppression.CheckAddress(address);
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await runtime.Store.FindSuppressionAsync(address, list, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AddAsync(EmailSuppression suppression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        EmailSuppression.CheckAddress(suppression.Address);
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await runtime.Store.AddSuppressionAsync(suppression, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> RemoveAsync(string address, string? list, CancellationToken cancellationToken = default)
    {
        EmailSuppression.CheckAddress(address);
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await runtime.Store.RemoveSuppressionAsync(address, list, cancellationToken).ConfigureAwait(false);
    }
}
