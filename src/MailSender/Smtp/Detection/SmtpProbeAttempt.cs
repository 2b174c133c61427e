namespace MailSender.Smtp.Detection;

/// <summary>What one probe of one endpoint found: connection, TLS, greeting, capabilities, and in plain words what went wrong.</summary>
internal sealed class SmtpProbeAttempt
{
    /// <summary>Gets the host probed (an SRV record or a preset may name another host than the one asked for).</summary>
    public required string Host { get; init; }

    /// <summary>Gets the port probed.</summary>
    public required int Port { get; init; }

    /// <summary>Gets the encryption: what was tried (<see cref="SmtpSecurity.Implicit"/> or <see cref="SmtpSecurity.StartTls"/>), or <see cref="SmtpSecurity.None"/> when the server offered no STARTTLS.</summary>
    public required SmtpSecurity Security { get; init; }

    /// <summary>Gets where the endpoint came from.</summary>
    public required SmtpProbeSource Source { get; init; }

    /// <summary>Gets how the probe ended.</summary>
    public required SmtpProbeOutcome Outcome { get; init; }

    /// <summary>Gets how long the probe took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the kind of failure, for <see cref="SmtpProbeOutcome.Failed"/>, <see cref="SmtpProbeOutcome.NotUsable"/> and <see cref="SmtpProbeOutcome.TimedOut"/>.</summary>
    public EmailErrorKind? ErrorKind { get; init; }

    /// <summary>Gets what went wrong, free of secrets, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets advice in plain words, e.g. "outbound port 25 is commonly blocked; use 587 or 465", or <see langword="null"/>.</summary>
    public string? Hint { get; init; }

    /// <summary>Gets the SMTP reply code of a refusal (e.g. 535), when the server sent one.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the enhanced status code of a refusal (e.g. <c>5.7.8</c>), when the server sent one.</summary>
    public string? EnhancedStatusCode { get; init; }

    /// <summary>Gets the server's greeting line, e.g. <c>220 smtp.example.com ESMTP</c>.</summary>
    public string? Greeting { get; init; }

    /// <summary>Gets the negotiated TLS version, e.g. <c>Tls13</c>, or <see langword="null"/> without TLS.</summary>
    public string? TlsProtocol { get; init; }

    /// <summary>Gets the negotiated cipher suite, e.g. <c>TLS_AES_256_GCM_SHA384</c>, or <see langword="null"/>.</summary>
    public string? CipherSuite { get; init; }

    /// <summary>Gets the subject of the server's certificate, or <see langword="null"/>.</summary>
    public string? CertificateSubject { get; init; }

    /// <summary>Gets when the server's certificate expires, or <see langword="null"/>.</summary>
    public DateTimeOffset? CertificateNotAfter { get; init; }

    /// <summary>Gets why the server's certificate was not trusted (name mismatch, expired, self-signed, unknown authority), or <see langword="null"/>.</summary>
    public string? CertificateError { get; init; }

    /// <summary>Gets the EHLO capabilities seen, e.g. <c>STARTTLS</c>, <c>AUTH</c>, <c>SIZE</c>, <c>PIPELINING</c>, <c>SMTPUTF8</c>, <c>8BITMIME</c>, <c>CHUNKING</c>.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Gets the authentication mechanisms offered (after TLS), e.g. <c>PLAIN</c> and <c>LOGIN</c>.</summary>
    public IReadOnlyList<string> AuthenticationMechanisms { get; init; } = [];

    /// <summary>Gets the largest message the server accepts (SIZE), or <see langword="null"/> when it names none.</summary>
    public long? MaxMessageSize { get; init; }

    /// <summary>Gets whether the credentials were accepted: <see langword="null"/> when none were checked.</summary>
    public bool? Authenticated { get; init; }
}
