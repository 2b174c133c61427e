using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailSender.TestSupport;

/// <summary>
/// Certificates made at run time for TLS tests: a private CA, a server certificate for localhost and 127.0.0.1 signed by it,
/// and an unrelated self-signed certificate that nothing trusts. Created once per test run.
/// </summary>
public static class TestCertificates
{
    private static readonly Lazy<Bundle> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the private CA (public part only).</summary>
    public static X509Certificate2 Authority => Shared.Value.Authority;

    /// <summary>Gets the path of a PEM file holding <see cref="Authority"/>, for the library's <c>caFile</c> / <c>TrustedCaFile</c>.</summary>
    public static string AuthorityPemFile => Shared.Value.AuthorityPemFile;

    /// <summary>Gets the server certificate (CN=localhost, SAN DNS:localhost and IP:127.0.0.1) with its private key, signed by <see cref="Authority"/>.</summary>
    public static X509Certificate2 Server => Shared.Value.Server;

    /// <summary>Gets a self-signed certificate for the same names, which no CA file vouches for.</summary>
    public static X509Certificate2 UntrustedSelfSigned => Shared.Value.UntrustedSelfSigned;

    private static readonly ConcurrentDictionary<string, X509Certificate2> Issued = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets a server certificate (with its private key) for the given DNS names, signed by <see cref="Authority"/>; one per set of names.</summary>
    public static X509Certificate2 ServerFor(params string[] dnsNames) =>
        Issued.GetOrAdd(string.Join(",", dnsNames), _ => Issue(dnsNames, selfSigned: false));

    /// <summary>Gets a self-signed certificate for the given DNS names, which no CA file vouches for.</summary>
    public static X509Certificate2 UntrustedFor(params string[] dnsNames) =>
        Issued.GetOrAdd("untrusted:" + string.Join(",", dnsNames), _ => Issue(dnsNames, selfSigned: true));

    private static X509Certificate2 Issue(string[] dnsNames, bool selfSigned)
    {
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsNames[0], key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        if (selfSigned)
        {
            using var untrusted = request.CreateSelfSigned(notBefore, notAfter);
            return Reload(untrusted);
        }

        var authority = Shared.Value.AuthorityWithKey;
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var signed = request.Create(authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    private static Bundle Create()
    {
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30);

        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=MailSender Test CA, O=MailSender Tests", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        var authoritySubjectKey = new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, critical: false);
        authorityRequest.CertificateExtensions.Add(authoritySubjectKey);
        using var authorityWithKey = authorityRequest.CreateSelfSigned(notBefore, notAfter.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = ServerRequest("CN=localhost", serverKey);
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(authoritySubjectKey));
        using var serverSigned = serverRequest.Create(authorityWithKey, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        using var serverWithKey = serverSigned.CopyWithPrivateKey(serverKey);

        using var untrustedKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var untrustedWithKey = ServerRequest("CN=localhost, O=Nobody Trusts Me", untrustedKey).CreateSelfSigned(notBefore, notAfter);

        var folder = Directory.CreateTempSubdirectory("mailsender-tests-ca-").FullName;
        var pemFile = Path.Combine(folder, "ca.pem");
        File.WriteAllText(pemFile, authorityWithKey.ExportCertificatePem());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);

        return new Bundle(
            X509CertificateLoader.LoadCertificate(authorityWithKey.RawData),
            pemFile,
            Reload(serverWithKey),
            Reload(untrustedWithKey),
            Reload(authorityWithKey));
    }

    private static CertificateRequest ServerRequest(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        return request;
    }

    // A certificate paired with an in-memory key is not always usable by SslStream; a PFX round trip gives it a real key container.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record Bundle(X509Certificate2 Authority, string AuthorityPemFile, X509Certificate2 Server, X509Certificate2 UntrustedSelfSigned, X509Certificate2 AuthorityWithKey);
}
