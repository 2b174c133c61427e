using MailSender.Deliverability.Doctor;

namespace MailSender.Deliverability;

/// <summary>
/// Checks the DNS records a From domain needs for its mail to be accepted (the library side of
/// <c>mailsender doctor</c>): SPF, DKIM, DMARC, MX, MTA-STS and TLS-RPT. Each finding says what it means and the fix.
/// </summary>
public static class DeliverabilityDoctor
{
    /// <summary>Runs every check; returns the findings in check order (<c>ok</c> findings included).</summary>
    /// <param name="request">The domain and what to check.</param>
    /// <param name="cancellationToken">Stops the checks.</param>
    /// <exception cref="DnsUnavailableException">The name server did not answer: nothing could be checked.</exception>
    /// <exception cref="ArgumentException">The From address, or the DKIM key, cannot be used.</exception>
    public static Task<IReadOnlyList<DeliverabilityFinding>> CheckAsync(DoctorRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DomainChecks.RunAsync(request, cancellationToken);
    }
}
