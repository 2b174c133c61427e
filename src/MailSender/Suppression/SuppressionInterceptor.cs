using MailSender.Internal;
using Microsoft.Extensions.Options;

namespace MailSender.Suppression;

/// <summary>
/// Refuses a message before the wire when a recipient is on the suppression list: always for list mail (a
/// <c>List-Id</c>), for all mail with <see cref="SuppressionOptions.CheckEverySend"/>. The whole message is refused,
/// naming the recipient and the reason, rather than quietly sent to the others: the caller decides.
/// </summary>
internal sealed class SuppressionInterceptor(IEmailSuppressionList list, IOptions<SuppressionOptions> options) : IEmailInterceptor
{
    public async ValueTask OnSendingAsync(EmailSendingContext context, CancellationToken cancellationToken)
    {
        var listId = ListIds.Find(context.Message);
        if (listId is null && !options.Value.CheckEverySend)
        {
            return;
        }

        foreach (var recipient in context.Envelope.Recipients)
        {
            if (await list.FindAsync(recipient.Address, listId, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                context.Veto(
                    entry.Describe() + ".",
                    nameof(SuppressionInterceptor),
                    "Mail must not go to suppressed addresses; remove the entry from the suppression list only if the recipient asked for it.");
                context.VetoSuppression = entry;
                return;
            }
        }
    }
}
