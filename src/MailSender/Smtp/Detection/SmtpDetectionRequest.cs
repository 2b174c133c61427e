namespace MailSender.Smtp.Detection;

/// <summary>What <see cref="ISmtpEndpointDetector.DetectAsync"/> should probe, and with which credentials and trust settings.</summary>
internal sealed class SmtpDetectionRequest
{
    /// <summary>Initializes a new instance of the <see cref="SmtpDetectionRequest"/> class.</summary>
    /// <param name="host">The server's host name or IP address, e.g. <c>smtp.example.com</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="host"/> is empty.</exception>
    public SmtpDetectionRequest(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        Host = host.Trim();
    }

    /// <summary>Gets the server's host name or IP address.</summary>
    public string Host { get; }

    /// <summary>Gets or sets the user name whose credentials each usable endpoint checks with AUTH; <see langword="null"/> checks none.</summary>
    public string? UserName { get; set; }

    /// <summary>Gets or sets the password for <see cref="UserName"/>. It is never logged or reported.</summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets the sender's domain (the From address's), used to find a provider preset and SRV records.</summary>
    public string? SenderDomain { get; set; }

    /// <summary>Gets or sets a value indicating whether an endpoint without encryption may be recommended (never with credentials, unless <see cref="AllowInsecureAuthentication"/>).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowPlaintext { get; set; }

    /// <summary>Gets or sets a value indicating whether credentials may be checked over an unencrypted connection.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowInsecureAuthentication { get; set; }

    /// <summary>Gets or sets a PEM or DER file with certificate authorities to trust besides the system store (as <see cref="SmtpTlsOptions.TrustedCaFile"/>).</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>Gets or sets the SHA-256 or SHA-1 thumbprint of one server certificate to trust (as <see cref="SmtpTlsOptions.TrustedCertificateThumbprint"/>).</summary>
    public string? TrustedCertificateThumbprint { get; set; }

    /// <summary>Gets or sets the host name sent in <c>EHLO</c>; <see langword="null"/> uses the machine's.</summary>
    public string? EhloName { get; set; }

    /// <summary>Gets or sets the ports, timeout and DNS settings of the detection.</summary>
    public SmtpDetectionOptions Options { get; set; } = new();
}
