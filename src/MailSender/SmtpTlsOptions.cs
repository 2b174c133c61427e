namespace MailSender;

/// <summary>
/// Which server certificates an SMTP connection trusts besides the system store (section <c>MailSender:Smtp:Tls</c>).
/// Certificate validation is never turned off: a private or self-signed server is trusted by naming its CA or pinning its certificate.
/// </summary>
public class SmtpTlsOptions
{
    /// <summary>Gets or sets a PEM or DER file with the certificate authority (or authorities) to trust for the server's certificate, in addition to the system store.</summary>
    /// <value>The default is <see langword="null"/>: only the system trust store. URI parameter: <c>caFile</c>.</value>
    public string? TrustedCaFile { get; set; }

    /// <summary>Gets or sets the SHA-256 (64 hex digits) or SHA-1 (40) thumbprint of one server certificate to trust even if it is self-signed; <c>:</c> and spaces are ignored.</summary>
    /// <value>The default is <see langword="null"/>. URI parameter: <c>thumbprint</c>.</value>
    public string? TrustedCertificateThumbprint { get; set; }
}
