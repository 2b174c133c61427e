namespace MailSender.Smtp.Detection;

/// <summary>What <see cref="ISmtpEndpointDetector"/> found: the recommended endpoint, and every attempt with its diagnosis.</summary>
internal sealed class SmtpDetectionReport
{
    /// <summary>Gets the host that was asked for.</summary>
    public required string Host { get; init; }

    /// <summary>Gets the endpoint to use, or <see langword="null"/> when none is usable (see <see cref="Attempts"/> for why).</summary>
    public SmtpEndpointRecommendation? Recommended { get; init; }

    /// <summary>Gets every probe, in the order the candidates were found.</summary>
    public required IReadOnlyList<SmtpProbeAttempt> Attempts { get; init; }

    /// <summary>Gets how long the whole detection took.</summary>
    public TimeSpan Elapsed { get; init; }
}
