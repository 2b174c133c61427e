using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>Endpoint detection (ids 200-219).</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Information, "Detected {Endpoint} for {Host} in {ElapsedMs} ms after {AttemptCount} probe(s)")]
    public static partial void Detected(ILogger logger, string host, string endpoint, long elapsedMs, int attemptCount);

    [LoggerMessage(201, LogLevel.Warning, "No usable SMTP endpoint found for {Host} in {ElapsedMs} ms after {AttemptCount} probe(s)")]
    public static partial void NothingUsable(ILogger logger, string host, long elapsedMs, int attemptCount);

    [LoggerMessage(202, LogLevel.Debug, "Probe of {Host}:{Port} ({Security}, {Source}) ended {Outcome} in {ElapsedMs} ms: {Error}")]
    public static partial void ProbeEnded(ILogger logger, string host, int port, string security, string source, string outcome, long elapsedMs, string? error);

    [LoggerMessage(203, LogLevel.Debug, "SRV lookup of {Name} failed: {Reason}")]
    public static partial void SrvLookupFailed(ILogger logger, string name, string reason);
}
