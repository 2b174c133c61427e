using Microsoft.Extensions.Logging;

namespace MailSender.Resilience.Internal;

/// <summary>Log messages of the resilience pipeline. Event ids are stable (listed in docs/configuration.md); never log secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(10, LogLevel.Information, "Retrying a message through {Transport} in {DelayMs} ms (retry {Retry}) after: {Reason}")]
    public static partial void Retrying(ILogger logger, string transport, long delayMs, int retry, string reason);

    [LoggerMessage(11, LogLevel.Warning, "The circuit for {Transport} opened for {BreakMs} ms after: {Reason}")]
    public static partial void CircuitOpened(ILogger logger, string transport, long breakMs, string reason);
}
