using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>Direct delivery to MX hosts (ids 240-259).</summary>
internal static partial class Log
{
    [LoggerMessage(240, LogLevel.Debug, "Direct delivery to {Domain}: trying {Hosts}")]
    public static partial void Route(ILogger logger, string domain, string hosts);

    [LoggerMessage(241, LogLevel.Warning, "Direct delivery to {Domain} through {Host} ({Address}) failed, trying the next MX host: {Reason}")]
    public static partial void NextHost(ILogger logger, string domain, string host, string address, string reason);

    [LoggerMessage(242, LogLevel.Information, "Delivered message {MessageId} to {RecipientCount} recipient(s) at {Domain} through {Host} ({Encryption})")]
    public static partial void Delivered(ILogger logger, string messageId, int recipientCount, string domain, string host, string encryption);

    [LoggerMessage(243, LogLevel.Warning, "Direct delivery of message {MessageId} to {Domain} failed for {RecipientCount} recipient(s): {ErrorKind}: {Reason}")]
    public static partial void DomainFailed(ILogger logger, string messageId, string domain, int recipientCount, EmailErrorKind errorKind, string reason);

    [LoggerMessage(244, LogLevel.Warning, "The TLS handshake with {Host} ({Address}) failed; delivering to {Domain} without encryption, as opportunistic TLS allows: {Reason}")]
    public static partial void PlainTextFallback(ILogger logger, string host, string address, string domain, string reason);

    [LoggerMessage(245, LogLevel.Debug, "Fetched the MTA-STS policy of {Domain} (id {PolicyId}): mode {Mode}, mx {Patterns}, max_age {MaxAgeSeconds} s")]
    public static partial void MtaStsPolicyFetched(ILogger logger, string domain, string policyId, string mode, string patterns, long maxAgeSeconds);

    [LoggerMessage(246, LogLevel.Warning, "The MTA-STS policy of {Domain} (id {PolicyId}) is not available: {Reason}; {Outcome}")]
    public static partial void MtaStsPolicyUnusable(ILogger logger, string domain, string policyId, string reason, string outcome);

    [LoggerMessage(247, LogLevel.Warning, "MTA-STS (enforce) of {Domain}: not delivering through {Host}: {Reason}")]
    public static partial void MtaStsHostRefused(ILogger logger, string domain, string host, string reason);

    [LoggerMessage(248, LogLevel.Warning, "MTA-STS (testing) of {Domain}: delivering through {Host} although an enforced policy would refuse it: {Reason}")]
    public static partial void MtaStsTestingFailure(ILogger logger, string domain, string host, string reason);
}
