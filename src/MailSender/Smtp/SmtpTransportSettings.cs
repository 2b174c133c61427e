using MailSender.Pooling.Internal;

namespace MailSender.Smtp;

/// <summary>The resolved settings of one SMTP endpoint, from the transport URI and the options.</summary>
internal sealed record SmtpTransportSettings
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public required SmtpSecurity Security { get; init; }

    public string? UserName { get; init; }

    public string? Password { get; init; }

    public required TimeSpan ConnectTimeout { get; init; }

    public required TimeSpan CommandTimeout { get; init; }

    public string? EhloName { get; init; }

    public bool AllowInsecureAuthentication { get; init; }

    public string? TrustedCaFile { get; init; }

    public string? TrustedCertificateThumbprint { get; init; }

    public ConnectionPoolOptions Pool { get; init; } = new();

    /// <summary>Gets a value indicating whether the port and encryption are detected before the first connection (no port in the URI, <c>security=auto</c>).</summary>
    public bool DetectEndpoint { get; init; }

    /// <summary>Gets how detection probes, when <see cref="DetectEndpoint"/> is set.</summary>
    public SmtpDetectionOptions Detection { get; init; } = new();

    /// <summary>Gets the domain of the default sender, to match a provider preset and SRV records.</summary>
    public string? SenderDomain { get; init; }

    /// <summary>Gets the endpoint for results and logs: scheme, user, host, port and security, never the password.</summary>
    public string DisplayName => $"smtp://{(UserName is null ? string.Empty : Uri.EscapeDataString(UserName) + "@")}{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}{(DetectEndpoint ? string.Empty : ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}?security={Security.ToString().ToLowerInvariant()}";

    /// <summary>Gets the request that detects this transport's endpoint.</summary>
    public SmtpDetectionRequest ToDetectionRequest() => new(Host)
    {
        UserName = UserName,
        Password = Password,
        SenderDomain = SenderDomain,

        // security=auto has always allowed plain text without credentials; credentials still need TLS unless allowed.
        AllowPlaintext = true,
        AllowInsecureAuthentication = AllowInsecureAuthentication,
        TrustedCaFile = TrustedCaFile,
        TrustedCertificateThumbprint = TrustedCertificateThumbprint,
        EhloName = EhloName,
        Options = Detection,
    };

    // The record's generated ToString would print the password.
    public override string ToString() => DisplayName;
}
