using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>Interceptors, observers and the redirect (ids 160-169).</summary>
internal static partial class Log
{
    [LoggerMessage(160, LogLevel.Warning, "MailSender:Redirect is on for sender '{Sender}': {Policy}", EventName = "RedirectActive")]
    public static partial void RedirectActive(ILogger logger, string sender, string policy);

    [LoggerMessage(161, LogLevel.Information, "Message {MessageId} was redirected: {Count} recipient(s) replaced by {Targets} (MailSender:Redirect)", EventName = "MessageRedirected")]
    public static partial void MessageRedirected(ILogger logger, string? messageId, int count, string targets);

    [LoggerMessage(162, LogLevel.Warning, "Message {MessageId} was not sent to {Count} recipient(s) outside MailSender:Redirect:Allow", EventName = "RecipientsDropped")]
    public static partial void RecipientsDropped(ILogger logger, string? messageId, int count);

    [LoggerMessage(163, LogLevel.Error, "The observer {Observer} failed for message {MessageId}", EventName = "ObserverFailed")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string? messageId);

    [LoggerMessage(164, LogLevel.Warning, "Message {MessageId} was vetoed by {Interceptor}: {Reason}", EventName = "MessageVetoed")]
    public static partial void MessageVetoed(ILogger logger, string? messageId, string interceptor, string reason);
}
