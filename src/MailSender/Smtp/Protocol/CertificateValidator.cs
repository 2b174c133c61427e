using MailSender.Internal;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// Validates server certificates: the system trust store, plus an optional CA file or pinned thumbprint.
/// Never accepts a certificate just because validation is inconvenient.
/// </summary>
internal sealed class CertificateValidator
{
    private readonly X509Certificate2Collection? _trustedAuthorities;
    private readonly string? _thumbprint;

    private readonly bool _acceptInvalid;

    /// <param name="trustedAuthorities">Certificate authorities to trust besides the system store (from <see cref="TrustStore"/>), or <see langword="null"/>.</param>
    /// <param name="thumbprint">The thumbprint of one certificate to trust, or <see langword="null"/>.</param>
    /// <param name="acceptInvalid">Whether an invalid certificate still encrypts (opportunistic direct delivery only).</param>
    public CertificateValidator(X509Certificate2Collection? trustedAuthorities, string? thumbprint, bool acceptInvalid = false)
    {
        _trustedAuthorities = trustedAuthorities;
        _thumbprint = thumbprint is null ? null : NormalizeThumbprint(thumbprint);
        _acceptInvalid = acceptInvalid;
    }

    /// <summary>Gets a validator that trusts the system store only.</summary>
    public static CertificateValidator SystemOnly { get; } = new(null, null);

    /// <summary>Reads the certificate thumbprint: the URI's, which must be 40 or 64 hex digits, else the option (checked by the options validator).</summary>
    public static string? ThumbprintSetting(TransportUri uri, string? configured)
    {
        if (!uri.Parameters.TryGetValue("thumbprint", out var text) || text.Length == 0)
        {
            return string.IsNullOrEmpty(configured) ? null : configured;
        }

        return IsThumbprint(text)
            ? text
            : throw SettingParser.Bad(uri, "thumbprint", "expected a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) certificate thumbprint");
    }

    /// <summary>Gets a value indicating whether <paramref name="text"/> is a SHA-256 (64 hex digits) or SHA-1 (40) thumbprint; <c>:</c> and spaces are ignored.</summary>
    public static bool IsThumbprint(string text)
    {
        var hex = NormalizeThumbprint(text);
        return hex.Length is 40 or 64 && hex.All(char.IsAsciiHexDigit);
    }

    private static string NormalizeThumbprint(string text) =>
        text.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>Creates the callback for one connection; <paramref name="check"/> receives what was wrong, for the error message.</summary>
    /// <remarks>
    /// Only opportunistic direct-to-MX delivery accepts an invalid certificate (<c>acceptInvalid</c>): MX certificates often do
    /// not match, and encrypting without authentication still beats the plain text the sender would otherwise fall back to.
    /// </remarks>
    public RemoteCertificateValidationCallback CreateCallback(CertificateCheck check) =>
        (_, certificate, chain, errors) => Validate(certificate, chain, errors, check) || (_acceptInvalid && certificate is not null);

    internal static X509Certificate2Collection LoadAuthorities(string path)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            // Read once: PEM text or a DER certificate.
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0)
            {
                // On .NET 8, new X509Certificate2(empty) succeeds with an empty certificate rather than throwing.
                throw new CryptographicException("the file is empty");
            }

            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                collection.ImportFromPem(System.Text.Encoding.UTF8.GetString(bytes));
            }
            else
            {
#if NET9_0_OR_GREATER
                collection.Add(X509CertificateLoader.LoadCertificate(bytes));
#else
                collection.Add(new X509Certificate2(bytes));
#endif
            }

            if (collection.Count == 0)
            {
                throw new CryptographicException("the file holds no certificate");
            }

            return collection;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The trusted CA file '{path}' could not be read: {ex.Message}", ex)
            {
                Hint = "caFile (MailSender:Smtp:Tls:TrustedCaFile) must name a readable PEM or DER certificate file.",
            };
        }
    }

    private bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, CertificateCheck check)
    {
        if (certificate is null)
        {
            check.Problem = "the server sent no certificate";
            return false;
        }

        using var leaf = certificate as X509Certificate2 is { } typed ? new X509Certificate2(typed) : new X509Certificate2(certificate);
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (_thumbprint is not null &&
            (string.Equals(leaf.GetCertHashString(HashAlgorithmName.SHA256), _thumbprint, StringComparison.OrdinalIgnoreCase) ||
             string.Equals(leaf.GetCertHashString(HashAlgorithmName.SHA1), _thumbprint, StringComparison.OrdinalIgnoreCase)))
        {
            // The user pinned this exact certificate.
            return true;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            check.Problem = $"the certificate's name does not match the host (it is issued to {leaf.Subject})";
            return false;
        }

        if (_trustedAuthorities is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors && BuildsToTrustedAuthority(leaf, chain))
        {
            return true;
        }

        check.Problem = DescribeChainProblem(leaf, chain);
        return false;
    }

    private bool BuildsToTrustedAuthority(X509Certificate2 leaf, X509Chain? presented)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trustedAuthorities!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }

    private static string DescribeChainProblem(X509Certificate2 leaf, X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b) ?? X509ChainStatusFlags.NoError;
        if ((statuses & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return $"the certificate has expired or is not yet valid (valid from {leaf.NotBefore:yyyy-MM-dd} to {leaf.NotAfter:yyyy-MM-dd})";
        }

        if (leaf.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData))
        {
            return "the certificate is self-signed and not trusted";
        }

        if ((statuses & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            return $"the certificate was issued by an authority this machine does not trust ({leaf.Issuer})";
        }

        if ((statuses & (X509ChainStatusFlags.Revoked | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != 0)
        {
            return "the certificate's revocation status could not be confirmed";
        }

        return "the certificate chain is not valid (" + statuses + ")";
    }
}

/// <summary>What one connection's certificate validation found.</summary>
internal sealed class CertificateCheck
{
    public string? Problem { get; set; }
}
