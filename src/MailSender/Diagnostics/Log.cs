using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>
/// Every log event of MailSender, in one class (split by area into <c>Log.*.cs</c>) and one category, <c>MailSender</c>.
/// Ids and names are stable; docs/telemetry.md lists them all and <c>LogEventCatalogTests</c> keeps the two in step.
/// Id ranges: 1-9 sends, 10-19 resilience, 100-109 a send's details, 110-129 SMTP connections and the pool, 140-159
/// composite and file transports, 200-219 endpoint detection, 220-239 provider presets, 240-259 direct delivery.
/// No event carries a secret; only events 101-103 name recipients, and only with <c>LogRecipients</c>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Sent message {MessageId} through {Transport} to {RecipientCount} recipient(s) in {ElapsedMs} ms")]
    public static partial void MessageSent(ILogger logger, string messageId, string transport, int recipientCount, long elapsedMs);

    [LoggerMessage(2, LogLevel.Warning, "Sending message {MessageId} through {Transport} failed: {ErrorKind}: {Reason}")]
    public static partial void SendFailed(ILogger logger, string? messageId, string transport, EmailErrorKind errorKind, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Message {MessageId} was refused for {RejectedCount} of {RecipientCount} recipient(s) by {Transport}")]
    public static partial void RecipientsRejected(ILogger logger, string messageId, string transport, int rejectedCount, int recipientCount);
}
