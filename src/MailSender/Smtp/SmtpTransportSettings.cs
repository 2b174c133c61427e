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

    /// <summary>Gets the address to connect to instead of resolving <see cref="Host"/>, which is still used for TLS (direct delivery).</summary>
    public System.Net.IPAddress? ConnectAddress { get; init; }

    public bool AllowInsecureAuthentication { get; init; }

    public string? TrustedCaFile { get; init; }

    public string? TrustedCertificateThumbprint { get; init; }

    public ConnectionPoolOptions Pool { get; init; } = new();

    /// <summary>Gets the provider preset matching the endpoint, for hints and OAuth; <see langword="null"/> for other servers.</summary>
    public SmtpProviderContext? Provider { get; init; }

    /// <summary>Gets the OAuth 2.0 token source; when set, the connection authenticates with a token instead of the password.</summary>
    public ISmtpAccessTokenProvider? AccessTokenProvider { get; init; }

    /// <summary>Gets the user name to show in messages: masked when it is a secret itself (Postmark's server token).</summary>
    public string? DisplayUserName => UserName is not null && Provider?.UserNameIsSecret == true ? "***" : UserName;

    /// <summary>Gets a value indicating whether the port and encryption are detected before the first connection (no port in the URI, <c>security=auto</c>).</summary>
    public bool DetectEndpoint { get; init; }

    /// <summary>Gets how detection probes, when <see cref="DetectEndpoint"/> is set.</summary>
    public SmtpDetectionOptions Detection { get; init; } = new();

    /// <summary>Gets the endpoint for results and logs: scheme, user, host, port and security, never the password.</summary>
    public string DisplayName => $"smtp://{(DisplayUserName is null ? string.Empty : Uri.EscapeDataString(DisplayUserName) + "@")}{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}{(DetectEndpoint ? string.Empty : ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}?security={Security.ToString().ToLowerInvariant()}";

    /// <summary>Gets the request that detects this transport's endpoint.</summary>
    public SmtpDetectionRequest ToDetectionRequest()
    {
        // With OAuth the probes have no token to check: they look for a TLS endpoint, and the token is checked at connect.
        var oauth = AccessTokenProvider is not null;
        return new(Host)
        {
            UserName = oauth ? null : UserName,
            Password = oauth ? null : Password,

            // No sender domain: a preset or SRV record found for the From address's domain could name another host, and
            // this transport's credentials go only to the host the user named (the detector API and the CLI can pass one).

            // security=auto has always allowed plain text without credentials; credentials (or a token) still need TLS unless allowed.
            AllowPlaintext = !oauth || AllowInsecureAuthentication,
            AllowInsecureAuthentication = AllowInsecureAuthentication,
            TrustedCaFile = TrustedCaFile,
            TrustedCertificateThumbprint = TrustedCertificateThumbprint,
            EhloName = EhloName,
            Options = Detection,
        };
    }

    // The record's generated ToString would print the password.
    public override string ToString() => DisplayName;
}
