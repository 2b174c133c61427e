using MailSender.Smtp.Detection;
using System.Globalization;

namespace MailSender.Cli.Probe;

/// <summary>The JSON form of a <see cref="SmtpDetectionReport"/>, printed by <c>probe --json</c>.</summary>
internal sealed record ProbeReportDocument(string Host, RecommendedDocument? Recommended, IReadOnlyList<AttemptDocument> Attempts, double ElapsedMs)
{
    public static ProbeReportDocument From(SmtpDetectionReport report) => new(
        report.Host,
        report.Recommended is { } r ? new RecommendedDocument(r.Host, r.Port, SecurityName(r.Security), r.AuthenticationMechanisms, r.Capabilities, r.TransportUri) : null,
        [.. report.Attempts.Select(AttemptDocument.From)],
        Math.Round(report.Elapsed.TotalMilliseconds, 1));

    /// <summary>The contract's names: <c>implicitTls</c>, <c>startTls</c>, <c>none</c>; <c>providers --json</c> spells security the same way.</summary>
    public static string SecurityName(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Implicit => "implicitTls",
        SmtpSecurity.StartTls => "startTls",
        SmtpSecurity.None => "none",
        _ => "auto",
    };

    public static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}

/// <summary>The <c>recommended</c> object: where to send, and how.</summary>
internal sealed record RecommendedDocument(string Host, int Port, string Security, IReadOnlyList<string> AuthMechanisms, IReadOnlyList<string> Capabilities, string Transport);

/// <summary>One probe in the <c>attempts</c> array.</summary>
internal sealed record AttemptDocument(
    string Host,
    int Port,
    string Security,
    string Source,
    string Outcome,
    double ElapsedMs,
    string? Greeting,
    string? TlsProtocol,
    string? CipherSuite,
    string? CertificateSubject,
    string? CertificateNotAfter,
    string? CertificateError,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> AuthMechanisms,
    long? MaxMessageSize,
    bool? Authenticated,
    string? ErrorKind,
    string? Error,
    string? Hint,
    int? StatusCode,
    string? EnhancedStatusCode)
{
    public static AttemptDocument From(SmtpProbeAttempt a) => new(
        a.Host,
        a.Port,
        ProbeReportDocument.SecurityName(a.Security),
        ProbeReportDocument.CamelCase(a.Source.ToString()),
        ProbeReportDocument.CamelCase(a.Outcome.ToString()),
        Math.Round(a.Elapsed.TotalMilliseconds, 1),
        a.Greeting,
        a.TlsProtocol,
        a.CipherSuite,
        a.CertificateSubject,
        a.CertificateNotAfter?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        a.CertificateError,
        a.Capabilities,
        a.AuthenticationMechanisms,
        a.MaxMessageSize,
        a.Authenticated,
        a.ErrorKind?.ToString(),
        a.Error,
        a.Hint,
        a.StatusCode,
        a.EnhancedStatusCode);
}
