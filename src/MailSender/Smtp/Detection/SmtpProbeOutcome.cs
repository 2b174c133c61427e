namespace MailSender.Smtp.Detection;

/// <summary>How one probe ended.</summary>
internal enum SmtpProbeOutcome
{
    /// <summary>The endpoint works: connected, encrypted (or plain text was allowed), and the credentials, if any, were accepted.</summary>
    Usable,

    /// <summary>The endpoint answered but may not be used: no encryption where it is required, or no AUTH while credentials are configured.</summary>
    NotUsable,

    /// <summary>The connection, the TLS handshake or the authentication failed; see <see cref="SmtpProbeAttempt.ErrorKind"/>.</summary>
    Failed,

    /// <summary>The endpoint did not answer within the probe timeout.</summary>
    TimedOut,

    /// <summary>The probe was stopped because a better endpoint was already found.</summary>
    Cancelled,
}
