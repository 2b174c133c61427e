using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>Composite and file transports (ids 140-159).</summary>
internal static partial class Log
{
    [LoggerMessage(140, LogLevel.Warning, "Sending through {Transport} failed ({ErrorKind}: {Reason}); trying {NextTransport}", EventName = "FailingOver")]
    public static partial void FailingOver(ILogger logger, string transport, EmailErrorKind errorKind, string reason, string nextTransport);

    [LoggerMessage(150, LogLevel.Debug, "Wrote message {MessageId} to {FilePath} ({Size} bytes)", EventName = "PickupFileWritten")]
    public static partial void PickupFileWritten(ILogger logger, string messageId, string filePath, long size);
}
