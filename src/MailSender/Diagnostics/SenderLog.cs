using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>
/// Log events of a send (ids 100-109; ids 1-3 are in <c>Internal/Log</c>). Ids and names are stable (docs/telemetry.md).
/// </summary>
/// <remarks>The events naming recipients (101-103) are written only when <see cref="MailSenderOptions.LogRecipients"/> is on.</remarks>
internal static partial class SenderLog
{
    [LoggerMessage(100, LogLevel.Debug, "Sending message {MessageId} through {Transport} to {RecipientCount} recipient(s)", EventName = "SendStarting")]
    public static partial void SendStarting(ILogger logger, string? messageId, string transport, int recipientCount);

    [LoggerMessage(101, LogLevel.Information, "Message {MessageId} was accepted for {Recipients}", EventName = "RecipientsAccepted")]
    public static partial void RecipientsAccepted(ILogger logger, string messageId, string recipients);

    [LoggerMessage(102, LogLevel.Warning, "Message {MessageId} was refused for {Recipients}", EventName = "RecipientsRefused")]
    public static partial void RecipientsRefused(ILogger logger, string messageId, string recipients);

    [LoggerMessage(103, LogLevel.Warning, "Message {MessageId} was not sent ({ErrorType}) to {Recipients}", EventName = "RecipientsNotSent")]
    public static partial void RecipientsOfFailedSend(ILogger logger, string? messageId, string errorType, string recipients);
}
