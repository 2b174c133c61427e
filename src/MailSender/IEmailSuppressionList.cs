namespace MailSender;

/// <summary>
/// The addresses mail must no longer go to: unsubscribes, hard bounces and complaints. Checked before every bulk send
/// (and, when <c>MailSender:Suppression:CheckEverySend</c> is on, before every send); a suppressed recipient is
/// refused before anything is written to the wire.
/// </summary>
/// <remarks>
/// Addresses are compared case-insensitively. An entry with a <see cref="EmailSuppression.List"/> suppresses the
/// address for that list only; an entry without one suppresses it for all mail.
/// </remarks>
public interface IEmailSuppressionList
{
    /// <summary>
    /// Finds the entry that suppresses <paramref name="address"/> for <paramref name="list"/>: a global entry, or one
    /// for that list. Returns <see langword="null"/> when mail may go to the address.
    /// </summary>
    /// <param name="address">The recipient's address (<c>user@example.com</c>).</param>
    /// <param name="list">The list the mail belongs to, or <see langword="null"/> for mail of no list.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    ValueTask<EmailSuppression?> FindAsync(string address, string? list, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds an entry. Adding an address that is already suppressed for the same list keeps the first entry, so
    /// repeated unsubscribes and bounces are harmless.
    /// </summary>
    /// <param name="suppression">The entry.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask AddAsync(EmailSuppression suppression, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry for <paramref name="address"/> and <paramref name="list"/>; returns whether there was one.</summary>
    /// <param name="address">The recipient's address.</param>
    /// <param name="list">The list, or <see langword="null"/> for the global entry.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask<bool> RemoveAsync(string address, string? list, CancellationToken cancellationToken = default);
}
