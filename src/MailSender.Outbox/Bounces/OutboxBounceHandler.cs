using MailSender.Deliverability;

namespace MailSender.Outbox.Bounces;

/// <summary>
/// Records hard bounces in the outbox: each hard-bounced recipient of a report that names the original Message-ID becomes
/// <see cref="OutboxState.Bounced"/> on the outbox message that was sent with it (and the message too once none of its
/// recipients remains sent). Registered by <c>AddOutbox</c>; the bounce processor calls it for every report.
/// </summary>
internal sealed class OutboxBounceHandler(OutboxRuntime runtime) : IBounceReportHandler
{
    public async Task HandleAsync(BounceReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        // The outbox stores MimeKit's MessageId, without angle brackets; the bounce parser strips them too, and a report
        // built by hand may still have them.
        var messageId = report.OriginalMessageId?.Trim();
        if (messageId is { Length: > 2 } && messageId[0] == '<' && messageId[^1] == '>')
        {
            messageId = messageId[1..^1].Trim();
        }

        if (string.IsNullOrEmpty(messageId))
        {
            // Without the Message-ID nothing in the outbox can be matched; the suppression list still got the address.
            return;
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var now = runtime.TimeProvider.GetUtcNow();
        foreach (var recipient in report.Recipients)
        {
            if (recipient.Kind == BounceKind.HardBounce)
            {
                var reply = $"bounced after acceptance: {recipient.Diagnostic ?? recipient.Status ?? "no reason given"}"
                    + (report.ReportingMta is { } mta ? $" (reported by {mta})" : string.Empty);
                await runtime.Store.MarkBouncedAsync(messageId, recipient.Address, recipient.Status, reply, now, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
