namespace MailSender;

/// <summary>
/// What went wrong when a message could not be sent.
/// </summary>
public enum EmailErrorKind
{
    /// <summary>The server could not be reached: unknown host, connection refused or reset.</summary>
    ConnectionFailed,

    /// <summary>The TLS handshake failed, the certificate was not trusted, or the server would not encrypt.</summary>
    TlsFailed,

    /// <summary>The server refused the credentials, or authentication was impossible.</summary>
    AuthenticationFailed,

    /// <summary>The server refused the envelope sender (<c>MAIL FROM</c>).</summary>
    SenderRejected,

    /// <summary>The server refused the recipients (<c>RCPT TO</c>).</summary>
    RecipientsRejected,

    /// <summary>The message is larger than the server accepts.</summary>
    MessageTooLarge,

    /// <summary>The server refused the message content after receiving it (e.g. 554 after the final dot).</summary>
    MessageRejected,

    /// <summary>The server is busy, throttling, or short of resources; a later attempt may succeed.</summary>
    ServerBusy,

    /// <summary>The connection or a command timed out.</summary>
    Timeout,

    /// <summary>The server broke the protocol or closed the connection unexpectedly.</summary>
    ProtocolError,

    /// <summary>The message itself is invalid (no recipient, malformed address, header injection, unreadable attachment).</summary>
    InvalidMessage,

    /// <summary>The configuration is wrong (bad transport URI, missing setting, unusable folder).</summary>
    Configuration,

    /// <summary>The server lacks a capability the message needs (e.g. SMTPUTF8 for a non-ASCII address).</summary>
    UnsupportedByServer,

    /// <summary>The message was written to the server, but the connection failed before its reply: it may have been accepted.</summary>
    DeliveryUncertain,

    /// <summary>A file-based transport could not store the message (disk full, I/O error).</summary>
    StorageFailed,

    /// <summary>
    /// The application stopped the message before it was sent: an <see cref="IEmailInterceptor"/> vetoed it, or
    /// <see cref="MailSenderOptions.Redirect"/> refused its recipients. Nothing was sent; retrying changes nothing.
    /// </summary>
    Vetoed,
}
