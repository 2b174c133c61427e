using System.Net.Security;
using System.Security.Authentication;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// What one connection found, filled in as it goes so a failed attempt still tells what it saw: the greeting, whether
/// STARTTLS was offered, the TLS session and the server's certificate. The probe reports it; errors quote it.
/// </summary>
internal sealed class SmtpConnectionInfo
{
    /// <summary>Gets the certificate validation's findings (why a certificate was refused).</summary>
    public CertificateCheck Certificate { get; } = new();

    /// <summary>Gets or sets the first line of the server's greeting, e.g. <c>220 smtp.example.com ESMTP</c>.</summary>
    public string? Greeting { get; set; }

    /// <summary>Gets or sets a value indicating whether the server answered the first EHLO (so <see cref="StartTlsOffered"/> is known).</summary>
    public bool EhloAnswered { get; set; }

    /// <summary>Gets or sets a value indicating whether the first EHLO listed STARTTLS.</summary>
    public bool StartTlsOffered { get; set; }

    /// <summary>Gets or sets a value indicating whether the session is encrypted.</summary>
    public bool IsSecure { get; set; }

    public SslProtocols TlsProtocol { get; set; }

    public TlsCipherSuite? CipherSuite { get; set; }

    public string? CertificateSubject { get; set; }

    public DateTimeOffset? CertificateNotAfter { get; set; }

    /// <summary>Gets or sets when the TLS handshake started and ended (span timestamps, real clock).</summary>
    public DateTimeOffset? TlsStarted { get; set; }

    public DateTimeOffset? TlsEnded { get; set; }
}
