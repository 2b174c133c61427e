using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>The resilience pipeline (ids 10-19).</summary>
internal static partial class Log
{
    [LoggerMessage(10, LogLevel.Information, "Retrying a message through {Transport} in {DelayMs} ms (retry {Retry}) after: {Reason}")]
    public static partial void Retrying(ILogger logger, string transport, long delayMs, int retry, string reason);

    [LoggerMessage(11, LogLevel.Warning, "The circuit for {Transport} opened for {BreakMs} ms after: {Reason}")]
    public static partial void CircuitOpened(ILogger logger, string transport, long breakMs, string reason);
}
