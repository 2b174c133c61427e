namespace MailSender;

/// <summary>
/// How an SMTP connection is encrypted. URI parameter <c>security=auto|starttls|implicit|none</c>.
/// </summary>
public enum SmtpSecurity
{
    /// <summary>Port 465 uses implicit TLS; any other port upgrades with STARTTLS when the server offers it.
    /// Credentials are still never sent unencrypted unless explicitly allowed.</summary>
    Auto,

    /// <summary>Upgrade with STARTTLS, and fail if the server does not offer it (the usual choice for port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (the usual choice for port 465; <c>smtps://</c>).</summary>
    Implicit,

    /// <summary>No encryption. Only used when asked for by name, for trusted local relays and test servers.</summary>
    None,
}
