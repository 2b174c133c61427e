using MailSender.Diagnostics;
using MailSender.Internal;
using MailSender.Smtp.Detection;
using MailSender.Smtp.Protocol;
using MailSender.Smtp.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Smtp;

/// <summary>Creates SMTP transports for <c>smtp://</c> and <c>smtps://</c> URIs.</summary>
/// <remarks><see cref="CreateSettings"/> is the pure step validation uses; <see cref="Create"/> builds the transport (pool, timers, metrics) once.</remarks>
internal sealed class SmtpTransportFactory : IEmailTransportFactory
{
    internal static readonly string[] KnownParameters =
    [
        "security", "timeout", "connectTimeout", "ehlo", "caFile", "thumbprint", "allowInsecureAuth",
        "maxConnections", "maxMessagesPerConnection", "idleTimeout", "maxLifetime", "acquireTimeout", "checkAfterIdle",
        "pipelining", "maxInFlight",
    ];

    private readonly SmtpTransportServices _services;

    public SmtpTransportFactory(SmtpTransportServices services)
    {
        _services = services;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["smtp", "smtps"];

    public void Validate(TransportUri uri, EmailTransportContext context)
    {
        Settings(uri, context);
        _services.LoadCaFile(uri);
    }

    public IEmailTransport Create(TransportUri uri, EmailTransportContext context) => _services.CreateTransport(Settings(uri, context));

    private SmtpTransportSettings Settings(TransportUri uri, EmailTransportContext context)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(context);
        var provider = ProviderCatalog.FindByHost(uri.Host ?? string.Empty) is { } preset ? ProviderPresets.Context(preset) : null;
        return CreateSettings(uri, context.Options, SmtpTransportServices.EnvironmentPassword(), _services.SenderTokens(context.SenderName), _services.ContainerTokens(), provider);
    }

    /// <summary>Resolves a transport's settings from its URI and options, without side effects; throws what validation reports.</summary>
    /// <param name="uri">The <c>smtp://</c> or <c>smtps://</c> URI.</param>
    /// <param name="options">The sender's options.</param>
    /// <param name="environmentPassword">The value of <c>MAILSENDER_PASSWORD</c>.</param>
    /// <param name="senderTokens">The sender's OAuth 2.0 token source (<c>UseAccessTokenProvider</c>); used even when a password is configured.</param>
    /// <param name="containerTokens">A token source registered in the container; used only when no password is configured.</param>
    /// <param name="provider">The preset behind the endpoint, for hints and OAuth.</param>
    /// <exception cref="EmailSendException">A setting is invalid (<see cref="EmailErrorKind.Configuration"/>), named in the message.</exception>
    internal static SmtpTransportSettings CreateSettings(TransportUri uri, MailSenderOptions options, string? environmentPassword, ISmtpAccessTokenProvider? senderTokens = null, ISmtpAccessTokenProvider? containerTokens = null, SmtpProviderContext? provider = null)
    {
        SettingParser.RejectUnknown(uri, KnownParameters);
        if (uri.Host is null)
        {
            throw SettingParser.Bad(uri, "host", $"expected {uri.Scheme}://host[:port]");
        }

        var smtp = options.Smtp ?? new SmtpOptions();
        var implicitScheme = uri.Scheme == "smtps";
        var security = ParseSecurity(uri, implicitScheme);
        var port = uri.Port ?? (security == SmtpSecurity.Implicit ? MailSenderDefaults.SmtpsPort : MailSenderDefaults.SmtpPort);
        var userName = uri.UserName ?? NullIfEmpty(options.UserName);
        var password = uri.Password ?? NullIfEmpty(options.Password) ?? (userName is null ? null : NullIfEmpty(environmentPassword));

        // A token provider registered for this sender is meant for it; one from the container only when no password is.
        var tokens = senderTokens ?? (password is null && userName is not null ? containerTokens : null);
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

        var tls = smtp.Tls ?? new SmtpTlsOptions();
        var thumbprint = CertificateValidator.ThumbprintSetting(uri, tls.TrustedCertificateThumbprint);

        return new SmtpTransportSettings
        {
            Endpoint = new SmtpEndpoint
            {
                Host = uri.Host,
                Port = port,
                Security = security,
                Credentials = userName is null ? null : new SmtpCredentials(userName, password, tokens),
                ConnectTimeout = SettingParser.Duration(uri, "connectTimeout", smtp.ConnectTimeout),
                CommandTimeout = SettingParser.Duration(uri, "timeout", smtp.CommandTimeout),
                EhloName = SettingParser.EhloName(uri, smtp.EhloName),
                AllowInsecureAuthentication = SettingParser.Boolean(uri, "allowInsecureAuth", smtp.AllowInsecureAuthentication),
                Pipelining = SettingParser.Pipelining(uri, smtp.Pipelining),
                MaxInFlight = SettingParser.Integer(uri, "maxInFlight", smtp.MaxInFlight, 1, MailSenderDefaults.MaxInFlightLimit),
                Provider = provider,
            },
            TrustedCaFile = SettingParser.Text(uri, "caFile", tls.TrustedCaFile),
            TrustedCertificateThumbprint = thumbprint,
            Pool = ResolvePoolOptions(uri, smtp.Pool ?? new SmtpPoolOptions()),

            // An explicit port keeps the classic auto contract (465 implicit TLS, else STARTTLS when offered); no port detects.
            DetectEndpoint = uri.Port is null && security == SmtpSecurity.Auto,
            Detection = smtp.Detection ?? new SmtpDetectionOptions(),
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

    /// <summary>The pool options with the URI's parameters over them.</summary>
    internal static SmtpPoolOptions ResolvePoolOptions(TransportUri uri, SmtpPoolOptions options) => new()
    {
        MaxConnections = SettingParser.Integer(uri, "maxConnections", options.MaxConnections, 1, MailSenderDefaults.MaxConnectionsLimit),
        MaxMessagesPerConnection = SettingParser.Integer(uri, "maxMessagesPerConnection", options.MaxMessagesPerConnection, 1, int.MaxValue),
        IdleTimeout = SettingParser.Duration(uri, "idleTimeout", options.IdleTimeout),
        MaxLifetime = SettingParser.Duration(uri, "maxLifetime", options.MaxLifetime),
        AcquireTimeout = SettingParser.Duration(uri, "acquireTimeout", options.AcquireTimeout),
        CheckAfterIdle = SettingParser.Duration(uri, "checkAfterIdle", options.CheckAfterIdle),
    };

    internal static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>
/// What the SMTP factories share: the clock, the TLS history, detection, the trust store, the connector and telemetry,
/// and the container's services for token providers. One per service container.
/// </summary>
internal sealed class SmtpTransportServices(
    TimeProvider timeProvider,
    TlsHistory history,
    DetectedEndpointCache detection,
    TrustStore trust,
    SmtpConnector connector,
    MailSenderTelemetry telemetry,
    IServiceProvider? services = null)
{
    public SmtpConnector Connector => connector;

    public TrustStore Trust => trust;

    public static string? EnvironmentPassword() => Environment.GetEnvironmentVariable(MailSenderDefaults.PasswordEnvironmentVariable);

    /// <summary>Gets the token provider <c>UseAccessTokenProvider</c> registered for this sender.</summary>
    public ISmtpAccessTokenProvider? SenderTokens(string senderName) => services?.GetKeyedService<ISmtpAccessTokenProvider>(senderName);

    /// <summary>Gets a token provider registered in the container for every sender.</summary>
    public ISmtpAccessTokenProvider? ContainerTokens() => services?.GetService<ISmtpAccessTokenProvider>();

    /// <summary>Loads the URI's <c>caFile=</c> (once per container), so a bad one fails validation; <c>Smtp:Tls:TrustedCaFile</c> is the options validator's to check.</summary>
    public void LoadCaFile(TransportUri uri)
    {
        if (SettingParser.Text(uri, "caFile", null) is { } caFile)
        {
            trust.Authorities(caFile);
        }
    }

    public CertificateValidator LoadTrust(SmtpTransportSettings settings) =>
        settings.TrustedCaFile is null && settings.TrustedCertificateThumbprint is null
            ? CertificateValidator.SystemOnly
            : trust.Create(settings.TrustedCaFile, settings.TrustedCertificateThumbprint);

    public SmtpTransport CreateTransport(SmtpTransportSettings settings) =>
        new(settings, Connector, LoadTrust(settings), history, settings.DetectEndpoint ? detection : null, timeProvider, telemetry);
}
