using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MailSender.TestSupport;

/// <summary>How an <see cref="InProcessSmtpServer"/> encrypts.</summary>
public enum InProcessSecurity
{
    /// <summary>Plain text only; STARTTLS is not offered.</summary>
    None,

    /// <summary>Plain text first, STARTTLS offered.</summary>
    StartTls,

    /// <summary>TLS from the first byte (the port is marked secure).</summary>
    Implicit,
}

/// <summary>What an <see cref="InProcessSmtpServer"/> offers and refuses.</summary>
public sealed record InProcessSmtpServerOptions
{
    public InProcessSecurity Security { get; init; } = InProcessSecurity.None;

    /// <summary>Gets the loopback address to listen on (direct-delivery tests give each MX host its own, e.g. 127.0.0.3).</summary>
    public System.Net.IPAddress Address { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>Gets the port to listen on; 0 lets the OS pick a free one.</summary>
    public int Port { get; init; }

    /// <summary>Gets the server certificate for STARTTLS or implicit TLS; the default is <see cref="TestCertificates.Server"/>.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Gets the TLS versions the server accepts.</summary>
    public SslProtocols SslProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Gets the one user name the server accepts; <see langword="null"/> offers no AUTH.</summary>
    public string? UserName { get; init; }

    /// <summary>Gets the password of <see cref="UserName"/>.</summary>
    public string? Password { get; init; }

    /// <summary>Gets a value indicating whether MAIL is refused until the client authenticates.</summary>
    public bool RequireAuthentication { get; init; }

    /// <summary>Gets the recipients refused at RCPT with <c>550 5.1.1</c> (compared case-insensitively).</summary>
    public IReadOnlyCollection<string> RejectedRecipients { get; init; } = [];

    /// <summary>Gets the size advertised with the SIZE extension; <see langword="null"/> advertises none.</summary>
    public int? MaxMessageSize { get; init; }
}
