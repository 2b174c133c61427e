using System.Collections.Frozen;

namespace MailSender.Diagnostics;

/// <summary>
/// The names of MailSender's instruments, spans and attributes: OpenTelemetry's semantic names where they exist
/// (<c>server.address</c>, <c>server.port</c>, <c>error.type</c>), <c>mailsender.*</c> otherwise. Stable: docs/telemetry.md lists them.
/// </summary>
internal static class TelemetryNames
{
    public const string MessagesSent = "mailsender.messages.sent";
    public const string MessagesFailed = "mailsender.messages.failed";
    public const string Retries = "mailsender.retries";
    public const string SendDuration = "mailsender.send.duration";
    public const string MessageSize = "mailsender.message.size";
    public const string PoolConnections = "mailsender.pool.connections";
    public const string PoolPendingRequests = "mailsender.pool.pending_requests";

    public const string SendSpan = "mailsender.send";
    public const string ConnectSpan = "mailsender.smtp.connect";
    public const string TlsSpan = "mailsender.smtp.tls";
    public const string AuthenticateSpan = "mailsender.smtp.authenticate";
    public const string DataSpan = "mailsender.smtp.data";
    public const string RetryEvent = "mailsender.retry";
    public const string FailoverEvent = "mailsender.failover";

    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorTypeAttribute = "error.type";
    public const string TlsProtocolVersion = "tls.protocol.version";
    public const string Transport = "mailsender.transport";
    public const string RecipientCount = "mailsender.recipient.count";
    public const string RejectedCount = "mailsender.rejected.count";
    public const string MessageSizeAttribute = "mailsender.message.size";
    public const string Attempts = "mailsender.attempts";
    public const string RetryNumber = "mailsender.retry.number";
    public const string ConnectionState = "mailsender.connection.state";
    public const string StateUsed = "used";
    public const string StateIdle = "idle";

    /// <summary>The <c>error.type</c> of a retry for recipients the server deferred (a 4xx reply to RCPT), not an exception.</summary>
    public const string DeferredRecipients = "recipients_deferred";

    private static readonly FrozenDictionary<EmailErrorKind, string> ErrorKinds =
        Enum.GetValues<EmailErrorKind>().ToFrozenDictionary(k => k, k => SnakeCase(k.ToString()));

    /// <summary>
    /// The <c>error.type</c> of a failure: the <see cref="EmailErrorKind"/> in snake case (<c>authentication_failed</c>),
    /// else the exception's full type name, as OpenTelemetry recommends.
    /// </summary>
    public static string ErrorType(Exception error) =>
        error is EmailSendException e ? ErrorKind(e.Kind) : error.GetType().FullName ?? "_OTHER";

    public static string ErrorKind(EmailErrorKind kind) => ErrorKinds.TryGetValue(kind, out var name) ? name : "_OTHER";

    /// <summary>The kind of a transport from its name, for low-cardinality attributes: <c>smtp</c>, <c>pickup</c>, <c>failover</c>, ...</summary>
    /// <remarks>Names are <c>scheme://...</c>, <c>scheme:...</c> or <c>composite(...)</c>; the rest (host, user, folder) is left out.</remarks>
    public static string TransportKind(string transport)
    {
        var end = transport.AsSpan().IndexOfAny(':', '(');
        var kind = end < 0 ? transport : transport[..end];
        return kind.Length is > 0 and <= 32 ? kind.ToLowerInvariant() : "custom";
    }

    internal static string SnakeCase(string pascal)
    {
        var text = new System.Text.StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
