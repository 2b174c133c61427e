using System.Collections.Concurrent;

namespace MailSender.Smtp.Detection;

/// <summary>
/// Runs detection for transports without a port and keeps the result per host (and user) for
/// <see cref="SmtpDetectionOptions.CacheLifetime"/>, so detection runs once, not before every connection.
/// Concurrent callers share one detection; a failed detection counts as expired, so the next connection detects again.
/// </summary>
internal sealed class DetectedEndpointCache
{
    private readonly ISmtpEndpointDetector _detector;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public DetectedEndpointCache(ISmtpEndpointDetector detector, TimeProvider timeProvider)
    {
        _detector = detector;
        _timeProvider = timeProvider;
    }

    /// <summary>Returns the recommended endpoint for <paramref name="request"/>, detecting it when no fresh result is cached.</summary>
    /// <param name="request">What to detect.</param>
    /// <param name="transport">The name of the transport asking, for <see cref="EmailSendException.Transport"/>.</param>
    /// <param name="cancellationToken">Stops waiting (the shared detection goes on).</param>
    /// <exception cref="EmailSendException">No endpoint is usable; the message sums up every attempt.</exception>
    public async Task<SmtpEndpointRecommendation> GetAsync(SmtpDetectionRequest request, string? transport, CancellationToken cancellationToken)
    {
        var key = string.Join('\n', request.Host, request.UserName ?? string.Empty, string.Join(',', request.Options.Ports ?? []));
        var now = _timeProvider.GetUtcNow();
        var entry = _entries.AddOrUpdate(
            key,
            _ => new Entry(new(() => DetectAsync(request)), now),
            (_, existing) => existing.IsExpired(now, request.Options.CacheLifetime) ? new Entry(new(() => DetectAsync(request)), now) : existing);
        var report = await entry.Detection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);

        // One error per caller: transports sharing a detection (same host and user) each get their own name in it.
        return report.Recommended ?? throw NoUsableEndpoint(report, transport);
    }

    // Not the caller's token: other callers may wait for the same detection; it ends by its own deadline.
    private Task<SmtpDetectionReport> DetectAsync(SmtpDetectionRequest request) => _detector.DetectAsync(request, CancellationToken.None);

    /// <summary>Sums up a detection that found nothing usable, with the most telling attempt's kind, reply code and hint.</summary>
    internal static EmailSendException NoUsableEndpoint(SmtpDetectionReport report, string? transport = null)
    {
        // Refused credentials or a TLS problem say more than the timeouts of ports that are simply closed.
        var telling = report.Attempts
            .Where(a => a.Outcome is SmtpProbeOutcome.Failed or SmtpProbeOutcome.NotUsable or SmtpProbeOutcome.TimedOut)
            .OrderBy(a => a.ErrorKind switch
            {
                EmailErrorKind.AuthenticationFailed => 0,
                EmailErrorKind.TlsFailed => 1,
                EmailErrorKind.ProtocolError => 2,
                EmailErrorKind.ConnectionFailed => 3,
                _ => 4,
            })

            // An attempt that reached an SMTP server (it has a greeting) explains more than one that never did.
            .ThenBy(a => a.Greeting is null)
            .FirstOrDefault();
        var summary = string.Join("; ", report.Attempts.Select(a => FormattableString.Invariant($"{a.Host}:{a.Port} ({a.Security}) {a.Outcome}")));
        return new EmailSendException(telling?.ErrorKind ?? EmailErrorKind.ConnectionFailed, $"No usable SMTP endpoint was found for {report.Host}: {summary}." + (telling?.Error is { } error ? " " + error : string.Empty))
        {
            StatusCode = telling?.StatusCode,
            EnhancedStatusCode = telling?.EnhancedStatusCode,
            Hint = telling?.Hint ?? "Run 'mailsender probe HOST' to see every attempt, or give the port in the transport URI.",
            Transport = transport,
        };
    }

    /// <summary>One detection, started by the first caller only (the dictionary may build an entry it then discards).</summary>
    private sealed record Entry(Lazy<Task<SmtpDetectionReport>> Detection, DateTimeOffset Created)
    {
        /// <summary>Whether a finished detection is stale: it failed, found nothing usable, or outlived <paramref name="lifetime"/>.</summary>
        public bool IsExpired(DateTimeOffset now, TimeSpan lifetime) =>
            Detection.IsValueCreated && Detection.Value.IsCompleted
            && (!Detection.Value.IsCompletedSuccessfully || Detection.Value.Result.Recommended is null || now - Created >= lifetime);
    }
}
