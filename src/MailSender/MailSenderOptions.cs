namespace MailSender;

/// <summary>
/// Configures an <see cref="IEmailSender"/>. Bind it from configuration (section <c>MailSender</c>) or set it in code.
/// </summary>
/// <remarks>
/// Options are validated when the application starts; every invalid setting is reported at once by name.
/// Settings given as transport URI parameters (e.g. <c>?timeout=30s</c>) take precedence over these properties.
/// </remarks>
public class MailSenderOptions
{
    /// <summary>The name of the environment variable read for the password when none is configured.</summary>
    public const string PasswordEnvironmentVariable = "MAILSENDER_PASSWORD";

    /// <summary>Gets or sets the transport URI, e.g. <c>smtp://user@smtp.example.com:587</c> or <c>pickup:./outbox</c>.</summary>
    /// <value>The default is <see langword="null"/>: a transport must be configured here or with <c>UseTransport</c>.</value>
    public string? Transport { get; set; }

    /// <summary>Gets or sets the sender used for messages without a <c>From</c> header, e.g. <c>App &lt;app@example.com&gt;</c>.</summary>
    /// <value>The default is <see langword="null"/>: messages must carry their own <c>From</c>.</value>
    public string? DefaultFrom { get; set; }

    /// <summary>Gets or sets the user name, when it is not in the transport URI.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? UserName { get; set; }

    /// <summary>Gets or sets the password (or API key), so it need not live in the transport URI.</summary>
    /// <value>
    /// The default is <see langword="null"/>: a password in the URI is used, else the
    /// <c>MAILSENDER_PASSWORD</c> environment variable when a user name is set.
    /// </value>
    public string? Password { get; set; }

    /// <summary>Gets or sets how long to wait for a TCP connection, the TLS handshake and the greeting.</summary>
    /// <value>The default is 30 seconds. URI parameter: <c>connectTimeout</c>.</value>
    public TimeSpan ConnectTimeout { get; set; } = MailSenderDefaults.ConnectTimeout;

    /// <summary>Gets or sets how long to wait for the reply to each SMTP command.</summary>
    /// <value>The default is 60 seconds. URI parameter: <c>timeout</c>.</value>
    public TimeSpan CommandTimeout { get; set; } = MailSenderDefaults.CommandTimeout;

    /// <summary>Gets or sets the source of OAuth 2.0 access tokens; when set, SMTP authenticates with a token (OAUTHBEARER or XOAUTH2) for <see cref="UserName"/> instead of a password.</summary>
    /// <value>
    /// The default is <see langword="null"/>: a password is used, or, when none is configured, an <see cref="ISmtpAccessTokenProvider"/>
    /// registered in the service collection. Set it in code or with <c>UseAccessTokenProvider</c>; it cannot come from configuration files.
    /// </value>
    public ISmtpAccessTokenProvider? AccessTokenProvider { get; set; }

    /// <summary>Gets or sets the host name sent in <c>EHLO</c>.</summary>
    /// <value>The default is <see langword="null"/>: the machine's host name. URI parameter: <c>ehlo</c>.</value>
    public string? EhloName { get; set; }

    /// <summary>Gets or sets a value indicating whether credentials may be sent over an unencrypted connection.</summary>
    /// <value>The default is <see langword="false"/>: authentication fails rather than expose a password. URI parameter: <c>allowInsecureAuth</c>.</value>
    public bool AllowInsecureAuthentication { get; set; }

    /// <summary>Gets or sets a PEM or DER file with the certificate authority (or authorities) to trust for the server's certificate, in addition to the system store.</summary>
    /// <value>The default is <see langword="null"/>: only the system trust store. URI parameter: <c>caFile</c>.</value>
    public string? TrustedCaFile { get; set; }

    /// <summary>Gets or sets the SHA-256 (or SHA-1) thumbprint, in hex, of one server certificate to trust even if it is self-signed.</summary>
    /// <value>The default is <see langword="null"/>. URI parameter: <c>thumbprint</c>.</value>
    public string? TrustedCertificateThumbprint { get; set; }

    /// <summary>Gets the SMTP connection pool's options (section <c>MailSender:Pool</c>).</summary>
    /// <value>Defaults: 5 connections, 100 messages per connection, 30 s idle timeout, 5 min lifetime, 30 s acquire timeout.</value>
    public ConnectionPoolOptions Pool { get; set; } = new();

    /// <summary>Gets the retry, timeout, circuit-breaker and rate-limit options (section <c>MailSender:Resilience</c>).</summary>
    /// <value>Defaults: 3 retries from 2 s (exponential, jitter, at most 1 min; 30 s after throttling replies), 2 min per attempt, 5 min in all, no rate limit.</value>
    public ResilienceOptions Resilience { get; set; } = new();

    /// <summary>Gets the DKIM signing options (section <c>MailSender:Dkim</c>), applied to every message whatever the transport.</summary>
    /// <value>The default signs nothing.</value>
    public DkimOptions Dkim { get; set; } = new();
    /// <summary>Gets the options of port and encryption detection (section <c>MailSender:Detection</c>), used when the SMTP transport URI has no port and <c>security=auto</c>.</summary>
    /// <value>Defaults: ports 465, 587, 25 and 2525, a 10 s probe timeout, results kept for 1 hour, DNS SRV lookups through the system's resolvers.</value>
    public SmtpDetectionOptions Detection { get; set; } = new();

    /// <summary>Gets or sets a value indicating whether the pickup transport writes the envelope as <c>X-Sender</c> and <c>X-Receiver</c> lines before the message.</summary>
    /// <value>The default is <see langword="true"/>, as the IIS / System.Net.Mail pickup format does. URI parameter: <c>envelope</c>.</value>
    public bool PickupWritesEnvelope { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether log events may name recipients (accepted, refused, not sent to).</summary>
    /// <value>
    /// The default is <see langword="false"/>: addresses are personal data, so logs and traces carry the number of recipients only,
    /// and addresses in error reasons are replaced by <c>[address]</c>. Turn it on where your logs may hold personal data (docs/telemetry.md).
    /// </value>
    public bool LogRecipients { get; set; }
}
