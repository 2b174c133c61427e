using Microsoft.Extensions.Logging;

namespace MailSender.Internal;

/// <summary>Log messages of the sender. Event ids are stable (listed in docs/configuration.md); never log secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Sent message {MessageId} through {Transport} to {RecipientCount} recipient(s) in {ElapsedMs} ms")]
    public static partial void MessageSent(ILogger logger, string messageId, string transport, int recipientCount, long elapsedMs);

    [LoggerMessage(2, LogLevel.Warning, "Sending message {MessageId} through {Transport} failed: {ErrorKind}: {Reason}")]
    public static partial void SendFailed(ILogger logger, string? messageId, string transport, EmailErrorKind errorKind, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Message {MessageId} was refused for {RejectedCount} of {RecipientCount} recipient(s) by {Transport}")]
    public static partial void RecipientsRejected(ILogger logger, string messageId, string transport, int rejectedCount, int recipientCount);
}
