using MailSender.Smtp.Detection;
using MailSender.Smtp.Protocol;

namespace MailSender.Smtp;

/// <summary>The resolved settings of one SMTP transport, from its URI and the options: the endpoint, trust, pool and detection.</summary>
internal sealed record SmtpTransportSettings
{
    /// <summary>Gets the endpoint. While <see cref="DetectEndpoint"/> is set, its port and security are placeholders until detection ran.</summary>
    public required SmtpEndpoint Endpoint { get; init; }

    public string? TrustedCaFile { get; init; }

    public string? TrustedCertificateThumbprint { get; init; }

    public SmtpPoolOptions Pool { get; init; } = new();

    /// <summary>Gets a value indicating whether the port and encryption are detected before the first connection (no port in the URI, <c>security=auto</c>).</summary>
    public bool DetectEndpoint { get; init; }

    /// <summary>Gets how detection probes, when <see cref="DetectEndpoint"/> is set.</summary>
    public SmtpDetectionOptions Detection { get; init; } = new();

    /// <summary>Gets the transport's name for results and logs: scheme, user, host, port (unless detected) and security, never the password.</summary>
    public string DisplayName => SmtpEndpoint.Describe(Endpoint.Host, DetectEndpoint ? null : Endpoint.Port, Endpoint.Security, Endpoint.DisplayUserName);

    /// <summary>Gets the request that detects this transport's endpoint.</summary>
    public SmtpDetectionRequest ToDetectionRequest()
    {
        // With OAuth the probes have no token to check: they look for a TLS endpoint, and the token is checked at connect.
        var credentials = Endpoint.Credentials;
        var oauth = credentials?.Tokens is not null;
        return new(Endpoint.Host)
        {
            UserName = oauth ? null : credentials?.UserName,
            Password = oauth ? null : credentials?.Password,

            // No sender domain: a preset or SRV record found for the From address's domain could name another host, and
            // this transport's credentials go only to the host the user named (the detector API and the CLI can pass one).

            // security=auto has always allowed plain text without credentials; credentials (or a token) still need TLS unless allowed.
            AllowPlaintext = !oauth || Endpoint.AllowInsecureAuthentication,
            AllowInsecureAuthentication = Endpoint.AllowInsecureAuthentication,
            TrustedCaFile = TrustedCaFile,
            TrustedCertificateThumbprint = TrustedCertificateThumbprint,
            EhloName = Endpoint.EhloName,
            Options = Detection,
        };
    }

    // The record's generated ToString would print members that hold the password.
    public override string ToString() => DisplayName;
}
