using MailSender.Diagnostics;
using MailSender.Detection.Internal;
using MailSender.Internal;
using MailSender.Pooling.Internal;
using MailSender.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Smtp;

/// <summary>Creates SMTP transports for <c>smtp://</c> and <c>smtps://</c> URIs.</summary>
internal sealed class SmtpTransportFactory : IEmailTransportFactory
{
    internal static readonly string[] KnownParameters =
    [
        "security", "timeout", "connectTimeout", "ehlo", "caFile", "thumbprint", "allowInsecureAuth",
        "maxConnections", "maxMessagesPerConnection", "idleTimeout", "maxLifetime", "acquireTimeout", "checkAfterIdle",
    ];

    private readonly TimeProvider _timeProvider;
    private readonly TlsHistory _history;
    private readonly DetectedEndpointCache _detection;
    private readonly MailSenderTelemetry? _telemetry;
    private readonly IServiceProvider? _services;

    public SmtpTransportFactory(TimeProvider timeProvider, TlsHistory history, DetectedEndpointCache detection, MailSenderTelemetry? telemetry = null, IServiceProvider? services = null)
    {
        _timeProvider = timeProvider;
        _history = history;
        _detection = detection;
        _telemetry = telemetry;
        _services = services;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["smtp", "smtps"];

    public IEmailTransport Create(TransportUri uri, MailSenderOptions options) =>
        new SmtpTransport(CreateSettings(uri, options, Environment.GetEnvironmentVariable(MailSenderOptions.PasswordEnvironmentVariable), AccessTokenProvider(options, _services)), _timeProvider, _history, _detection, _telemetry);

    /// <summary>Gets the sender's access-token provider: the option, else one registered in the container.</summary>
    internal static ISmtpAccessTokenProvider? AccessTokenProvider(MailSenderOptions options, IServiceProvider? services) =>
        options.AccessTokenProvider ?? services?.GetService<ISmtpAccessTokenProvider>();

    /// <param name="uri">The <c>smtp://</c> or <c>smtps://</c> URI.</param>
    /// <param name="options">The sender's options.</param>
    /// <param name="environmentPassword">The value of <c>MAILSENDER_PASSWORD</c>.</param>
    /// <param name="tokens">The OAuth 2.0 token source; the option's is used without a password, a container's only when no password is configured.</param>
    /// <param name="provider">The preset behind the endpoint; by default, the one owning the host, if any.</param>
    internal static SmtpTransportSettings CreateSettings(TransportUri uri, MailSenderOptions options, string? environmentPassword, ISmtpAccessTokenProvider? tokens = null, SmtpProviderContext? provider = null)
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

        // A token provider set on these options is meant for this sender; one from the container only when no password is.
        tokens = options.AccessTokenProvider ?? (password is null && userName is not null ? tokens : null);
        if (password is not null && userName is null)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"Invalid transport {uri.Endpoint}: a password is configured but no user name.")
            {
                Hint = "Put the user name in the URI (smtp://user@host) or set MailSender:UserName.",
            };
        }

        if (tokens is not null && userName is null)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"Invalid transport {uri.Endpoint}: an access-token provider is configured but no user name.")
            {
                Hint = "OAuth 2.0 (XOAUTH2/OAUTHBEARER) names the mailbox: put it in the URI (smtp://user@host) or set MailSender:UserName.",
            };
        }

        if (userName is not null && password is null && tokens is null)
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
            Provider = provider ?? (ProviderCatalog.FindByHost(uri.Host) is { } preset ? ProviderPresets.Context(preset, withLimits: false) : null),
            AccessTokenProvider = tokens,

            // An explicit port keeps the classic auto contract (465 implicit TLS, else STARTTLS when offered); no port detects.
            DetectEndpoint = uri.Port is null && security == SmtpSecurity.Auto,
            Detection = options.Detection ?? new SmtpDetectionOptions(),
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

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
