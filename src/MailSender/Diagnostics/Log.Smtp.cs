using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>SMTP connections (ids 110-119) and their pool (ids 120-129).</summary>
internal static partial class Log
{
    [LoggerMessage(110, LogLevel.Debug, "Opened a connection to {ServerAddress}:{ServerPort} (TLS: {TlsProtocol}, authenticated: {Authenticated}) in {ElapsedMs} ms", EventName = "ConnectionOpened")]
    public static partial void ConnectionOpened(ILogger logger, string serverAddress, int serverPort, string tlsProtocol, bool authenticated, long elapsedMs);

    [LoggerMessage(111, LogLevel.Debug, "Connecting to {ServerAddress}:{ServerPort} failed: {ErrorType}", EventName = "ConnectionFailed")]
    public static partial void ConnectionFailed(ILogger logger, string serverAddress, int serverPort, string errorType);

    [LoggerMessage(112, LogLevel.Debug, "Closed a connection to {ServerAddress}:{ServerPort}", EventName = "ConnectionClosed")]
    public static partial void ConnectionClosed(ILogger logger, string serverAddress, int serverPort);

    [LoggerMessage(120, LogLevel.Warning, "No connection to {ServerAddress}:{ServerPort} became free in time ({InUse} in use, {Waiting} waiting)", EventName = "PoolExhausted")]
    public static partial void PoolExhausted(ILogger logger, string serverAddress, int serverPort, int inUse, int waiting);

    [LoggerMessage(122, LogLevel.Warning, "{ServerAddress}:{ServerPort} does not offer DSN; message {MessageId} is sent without its delivery status request (the server's default applies)", EventName = "DsnNotOffered")]
    public static partial void DsnNotOffered(ILogger logger, string serverAddress, int serverPort, string messageId);

    [LoggerMessage(121, LogLevel.Debug, "A pooled connection to {ServerAddress}:{ServerPort} had been closed by the server; sending on a new one", EventName = "StaleConnectionReplaced")]
    public static partial void StaleConnectionReplaced(ILogger logger, string serverAddress, int serverPort);
}
