namespace MailSender.Smtp.Detection;

/// <summary>
/// Finds how to reach an SMTP server: which port, which encryption (implicit TLS, STARTTLS or none) and which
/// authentication mechanisms, and explains every attempt in a <see cref="SmtpDetectionReport"/>.
/// Registered by <c>AddMailSender</c>.
/// </summary>
/// <remarks>
/// Candidates come, in this order, from a provider preset for the host (or the sender's domain), the DNS SRV records
/// <c>_submissions._tcp</c> and <c>_submission._tcp</c> (RFC 6186, RFC 8314), and the configured probe ports
/// (465, 587, 25 and 2525 by default). They are probed in parallel, so detection takes about one probe timeout.
/// The recommendation follows RFC 8314: implicit TLS, then STARTTLS, then (only when allowed) plain text.
/// </remarks>
internal interface ISmtpEndpointDetector
{
    /// <summary>Probes <see cref="SmtpDetectionRequest.Host"/> and reports what works.</summary>
    /// <param name="request">The host, the optional credentials to check, and how to probe.</param>
    /// <param name="cancellationToken">Cancels the detection; probes still running are stopped.</param>
    /// <returns>The report: the recommended endpoint (or <see langword="null"/> when none is usable) and every attempt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="EmailSendException">The request is invalid (<see cref="EmailErrorKind.Configuration"/>), e.g. an unreadable CA file.</exception>
    Task<SmtpDetectionReport> DetectAsync(SmtpDetectionRequest request, CancellationToken cancellationToken = default);
}
