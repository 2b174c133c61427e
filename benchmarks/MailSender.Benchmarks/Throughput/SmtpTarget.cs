using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Security;

namespace MailSender.Benchmarks.Throughput;

/// <summary>How every mode reaches the sink: the address, the TLS mode and which certificate to trust.</summary>
internal sealed class SmtpTarget
{
    private readonly X509Certificate2Collection? _trustedAuthorities;

    public SmtpTarget(SmtpServerAddress address, TlsMode tls, string? caFile, string? thumbprint)
    {
        Address = address;
        Tls = tls;
        CaFile = caFile;
        Thumbprint = thumbprint?.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (caFile is not null)
        {
            _trustedAuthorities = [];
            _trustedAuthorities.ImportFromPemFile(caFile);
        }
    }

    public SmtpServerAddress Address { get; }

    /// <summary>The same target reached at another address (the delay proxy in front of it).</summary>
    public SmtpTarget Via(SmtpServerAddress address) => new(address, Tls, CaFile, Thumbprint);

    public string Host => Address.Host;

    public int Port => Address.Port;

    public TlsMode Tls { get; }

    public string? CaFile { get; }

    public string? Thumbprint { get; }

    public SecureSocketOptions MailKitSecurity => Tls switch
    {
        TlsMode.Implicit => SecureSocketOptions.SslOnConnect,
        TlsMode.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };

    /// <summary>
    /// The certificate check the raw MailKit modes use: the system store, else the pinned thumbprint, else a chain
    /// to the CA file. The same work MailSender does, so TLS costs compare fairly; <see langword="null"/> keeps MailKit's default.
    /// </summary>
    public RemoteCertificateValidationCallback? CertificateValidation =>
        _trustedAuthorities is null && Thumbprint is null ? null : Validate;

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        if (Thumbprint is not null && string.Equals(leaf.GetCertHashString(HashAlgorithmName.SHA256), Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (_trustedAuthorities is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trustedAuthorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(leaf);
    }
}
