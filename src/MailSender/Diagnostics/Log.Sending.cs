using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>A send's details (ids 100-109); 101-103 name recipients and are written only when <see cref="MailSenderOptions.LogRecipients"/> is on.</summary>
internal static partial class Log
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
