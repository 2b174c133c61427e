using MailSender.Detection.Internal;
using MailSender.Internal;
using MailSender.Pooling.Internal;

namespace MailSender.Smtp;

/// <summary>Creates SMTP transports for <c>smtp://</c> and <c>smtps://</c> URIs.</summary>
internal sealed class SmtpTransportFactory : IEmailTransportFactory
{
    private static readonly string[] KnownParameters =
    [
        "security", "timeout", "connectTimeout", "ehlo", "caFile", "thumbprint", "allowInsecureAuth",
        "maxConnections", "maxMessagesPerConnection", "idleTimeout", "maxLifetime", "acquireTimeout", "checkAfterIdle",
    ];

    private readonly TimeProvider _timeProvider;
    private readonly TlsHistory _history;
    private readonly DetectedEndpointCache _detection;

    public SmtpTransportFactory(TimeProvider timeProvider, TlsHistory history, DetectedEndpointCache detection)
    {
        _timeProvider = timeProvider;
        _history = history;
        _detection = detection;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["smtp", "smtps"];

    public IEmailTransport Create(TransportUri uri, MailSenderOptions options) =>
        new SmtpTransport(CreateSettings(uri, options, Environment.GetEnvironmentVariable(MailSenderOptions.PasswordEnvironmentVariable)), _timeProvider, _history, _detection);

    internal static SmtpTransportSettings CreateSettings(TransportUri uri, MailSenderOptions options, string? environmentPassword)
    {
        SettingParser.RejectUnknown(uri, KnownParameters);
        if (uri.Host is null)
        {
            throw SettingParser.Bad(uri, "host", $"expected {uri.Scheme}://host[:port]");
        }

        var implicitScheme = uri.Scheme == "smtps";
        var security = ParseSecurity(uri, implicitScheme);
        var port = uri.Port ?? (security == SmtpSecurity.Implicit ? MailSenderDefaults.SmtpsPort : MailSenderDefaults.SmtpPort);
        var userName = uri.UserName ?? NullIfEmpty(options.UserName);
        var password = uri.Password ?? NullIfEmpty(options.Password) ?? (userName is null ? null : NullIfEmpty(environmentPassword));
        if (password is not null && userName is null)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"Invalid transport {uri.Endpoint}: a password is configured but no user name.")
            {
                Hint = "Put the user name in the URI (smtp://user@host) or set MailSender:UserName.",
            };
        }

        if (userName is not null && password is null)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"Invalid transport {uri.Endpoint}: user '{userName}' has no password.")
            {
                Hint = "Set MailSender:Password or the MAILSENDER_PASSWORD environment variable, or put it in the URI (smtp://user:password@host).",
            };
        }

        // The option is checked by the options validator; the URI parameter here.
        if (uri.Parameters.TryGetValue("thumbprint", out var thumbprint) && !IsThumbprint(thumbprint))
        {
            throw SettingParser.Bad(uri, "thumbprint", "expected a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) certificate thumbprint");
        }

        return new SmtpTransportSettings
        {
            Host = uri.Host,
            Port = port,
            Security = security,
            UserName = userName,
            Password = password,
            ConnectTimeout = SettingParser.Duration(uri, "connectTimeout", options.ConnectTimeout),
            CommandTimeout = SettingParser.Duration(uri, "timeout", options.CommandTimeout),
            EhloName = SettingParser.Text(uri, "ehlo", options.EhloName),
            AllowInsecureAuthentication = SettingParser.Boolean(uri, "allowInsecureAuth", options.AllowInsecureAuthentication),
            TrustedCaFile = SettingParser.Text(uri, "caFile", options.TrustedCaFile),
            TrustedCertificateThumbprint = SettingParser.Text(uri, "thumbprint", options.TrustedCertificateThumbprint),
            Pool = ResolvePoolOptions(uri, options.Pool ?? new ConnectionPoolOptions()),

            // An explicit port keeps the classic auto contract (465 implicit TLS, else STARTTLS when offered); no port detects.
            DetectEndpoint = uri.Port is null && security == SmtpSecurity.Auto,
            Detection = options.Detection ?? new SmtpDetectionOptions(),
            SenderDomain = SenderDomain(options.DefaultFrom),
        };
    }

    private static SmtpSecurity ParseSecurity(TransportUri uri, bool implicitScheme)
    {
        if (!uri.Parameters.TryGetValue("security", out var text))
        {
            return implicitScheme ? SmtpSecurity.Implicit : SmtpSecurity.Auto;
        }

        SmtpSecurity security = text.ToLowerInvariant() switch
        {
            "auto" => SmtpSecurity.Auto,
            "starttls" => SmtpSecurity.StartTls,
            "implicit" => SmtpSecurity.Implicit,
            "none" => SmtpSecurity.None,
            _ => throw SettingParser.Bad(uri, "security", $"'{text}' is not one of auto, starttls, implicit, none"),
        };
        if (implicitScheme && security != SmtpSecurity.Implicit)
        {
            throw SettingParser.Bad(uri, "security", "smtps:// always uses implicit TLS; use smtp:// for starttls or none");
        }

        return security;
    }

    internal static ConnectionPoolOptions ResolvePoolOptions(TransportUri uri, ConnectionPoolOptions options) => new()
    {
        MaxConnections = SettingParser.Integer(uri, "maxConnections", options.MaxConnections, 1, 1000),
        MaxMessagesPerConnection = SettingParser.Integer(uri, "maxMessagesPerConnection", options.MaxMessagesPerConnection, 1, int.MaxValue),
        IdleTimeout = SettingParser.Duration(uri, "idleTimeout", options.IdleTimeout),
        MaxLifetime = SettingParser.Duration(uri, "maxLifetime", options.MaxLifetime),
        AcquireTimeout = SettingParser.Duration(uri, "acquireTimeout", options.AcquireTimeout),
        CheckAfterIdle = SettingParser.Duration(uri, "checkAfterIdle", options.CheckAfterIdle),
    };

    internal static bool IsThumbprint(string text)
    {
        var hex = text.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
        return hex.Length is 40 or 64 && hex.All(char.IsAsciiHexDigit);
    }

    private static string? SenderDomain(string? defaultFrom)
    {
        if (string.IsNullOrWhiteSpace(defaultFrom) || !MimeKit.MailboxAddress.TryParse(defaultFrom, out var mailbox))
        {
            return null;
        }

        var at = mailbox.Address.LastIndexOf('@');
        return at < 0 ? null : mailbox.Address[(at + 1)..];
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
