using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// Reads each trusted CA file once per service container: start-up validation reads it (so a bad path stops the
/// application) and the transports built later get the same certificates, without reading the file again.
/// </summary>
internal sealed class TrustStore
{
    private readonly ConcurrentDictionary<string, Lazy<X509Certificate2Collection>> _authorities = new(StringComparer.Ordinal);

    /// <summary>Creates the validator for a CA file and a pinned thumbprint (either may be absent).</summary>
    /// <exception cref="EmailSendException">The CA file cannot be read or holds no certificate (<see cref="EmailErrorKind.Configuration"/>).</exception>
    public CertificateValidator Create(string? trustedCaFile, string? thumbprint, bool acceptInvalid = false) =>
        new(trustedCaFile is null ? null : Authorities(trustedCaFile), thumbprint, acceptInvalid);

    /// <summary>Loads (once) the certificates of a CA file.</summary>
    /// <exception cref="EmailSendException">The file cannot be read or holds no certificate.</exception>
    public X509Certificate2Collection Authorities(string trustedCaFile)
    {
        var path = Path.GetFullPath(trustedCaFile);
        var entry = _authorities.GetOrAdd(path, static p => new Lazy<X509Certificate2Collection>(() => CertificateValidator.LoadAuthorities(p)));
        try
        {
            return entry.Value;
        }
        catch (EmailSendException)
        {
            // A failure is not kept: the file may be fixed before the next attempt.
            _authorities.TryRemove(new KeyValuePair<string, Lazy<X509Certificate2Collection>>(path, entry));
            throw;
        }
    }
}
