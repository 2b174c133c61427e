using MailSender.Diagnostics;
using MimeKit;

namespace MailSender.Redirect;

/// <summary>
/// <see cref="MailSenderOptions.Redirect"/> as the last interceptor of a sender: the allowed recipients keep the message,
/// the others are replaced, dropped or refused; the envelope changes, the headers stay, and <c>X-Original-To</c> names
/// the recipients that did not get it.
/// </summary>
internal sealed class RedirectInterceptor(RedirectPolicy policy, MailSenderTelemetry telemetry) : IEmailInterceptor
{
    /// <summary>The header that lists the recipients a redirect replaced or dropped.</summary>
    public const string OriginalToHeader = "X-Original-To";

    private const string Name = "MailSender:Redirect";
    private const string Hint = "MailSender:Redirect is on (a development or staging setting): add the recipients to Redirect:Allow, set Redirect:To, or remove the Redirect section.";

    public ValueTask OnSendingAsync(EmailSendingContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var envelope = context.Envelope;
        var kept = new List<MailboxAddress>(envelope.Recipients.Count);
        var unlisted = new List<MailboxAddress>();
        foreach (var recipient in envelope.Recipients)
        {
            (policy.Allows(recipient) ? kept : unlisted).Add(recipient);
        }

        if (unlisted.Count == 0)
        {
            return default;
        }

        var messageId = context.Message.MessageId;
        switch (policy.Unlisted)
        {
            case UnlistedRecipients.Refuse:
                context.Veto($"MailSender:Redirect:Allow does not allow {unlisted.Count} of its {envelope.Recipients.Count} recipient(s): {string.Join(", ", unlisted.Select(r => r.Address))}.", Name, Hint);
                return default;
            case UnlistedRecipients.Drop when kept.Count == 0:
                context.Veto($"MailSender:Redirect:Allow allows none of its {envelope.Recipients.Count} recipient(s), and Redirect:Unlisted is Drop, so nobody would receive it.", Name, Hint);
                return default;
            case UnlistedRecipients.Drop:
                Log.RecipientsDropped(telemetry.Logger, messageId, unlisted.Count);
                break;
            default:
                foreach (var target in policy.To)
                {
                    if (!kept.Exists(k => string.Equals(k.Address, target.Address, StringComparison.OrdinalIgnoreCase)))
                    {
                        kept.Add(target);
                    }
                }

                Log.MessageRedirected(telemetry.Logger, messageId, unlisted.Count, string.Join(", ", policy.To.Select(t => t.Address)));
                break;
        }

        // Replaced rather than added: sending the same message object twice must not pile up headers.
        context.Message.Headers.Replace(OriginalToHeader, string.Join(", ", unlisted.Select(r => r.Address)));
        context.Envelope = envelope.WithRecipients(kept);
        return default;
    }
}
