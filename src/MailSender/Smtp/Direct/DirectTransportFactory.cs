using System.Globalization;
using System.Net;
using MailSender.Diagnostics;
using MailSender.Internal;
using MailSender.Smtp.Protocol;

namespace MailSender.Smtp.Direct;

/// <summary>Creates the direct-to-MX transport for <c>direct:</c> URIs, e.g. <c>direct:?dns=127.0.0.1:15353&amp;port=2525</c>.</summary>
internal sealed class DirectTransportFactory : IEmailTransportFactory
{
    private static readonly string[] KnownParameters =
    [
        "dns", "port", "requireTls", "certificatePolicy", "maxPerDomain", "maxConnections",
        "timeout", "connectTimeout", "dnsTimeout", "ehlo", "caFile", "thumbprint", "pipelining", "mtaSts",
    ];

    private readonly TimeProvider _timeProvider;
    private readonly SmtpConnector _connector;
    private readonly TrustStore _trust;
    private readonly MailSenderTelemetry _telemetry;

    public DirectTransportFactory(TimeProvider timeProvider, SmtpConnector connector, TrustStore trust, MailSenderTelemetry telemetry)
    {
        _timeProvider = timeProvider;
        _connector = connector;
        _trust = trust;
        _telemetry = telemetry;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["direct"];

    public void Validate(TransportUri uri, EmailTransportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CreateSettings(uri, context.Options);

        // The URI's CA file only: Smtp:Tls:TrustedCaFile is the options validator's to check, so it is reported once.
        if (SettingParser.Text(uri, "caFile", null) is { } caFile)
        {
            _trust.Authorities(caFile);
        }
    }

    public IEmailTransport Create(TransportUri uri, EmailTransportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = CreateSettings(uri, context.Options);
        var certificates = _trust.Create(settings.TrustedCaFile, settings.TrustedCertificateThumbprint, acceptInvalid: !settings.ValidateCertificates);
        var validating = settings.ValidateCertificates ? certificates : _trust.Create(settings.TrustedCaFile, settings.TrustedCertificateThumbprint);
        return new DirectTransport(settings, _connector, certificates, new DnsMxResolver(settings.NameServers, settings.DnsTimeout), _timeProvider, Random.Shared, _telemetry, validating);
    }

    /// <summary>Resolves a <c>direct:</c> URI's settings, without side effects; throws what validation reports.</summary>
    internal static DirectTransportSettings CreateSettings(TransportUri uri, MailSenderOptions options)
    {
        SettingParser.RejectUnknown(uri, KnownParameters);
        if (uri.Host is not null || uri.Path is not null || uri.UserName is not null)
        {
            throw SettingParser.Bad(uri, "host", "direct: takes no host, path or user: the MX hosts come from DNS and no credentials are sent (write direct: or direct:?port=25)");
        }

        var requireTls = SettingParser.Boolean(uri, "requireTls", false);
        var validate = requireTls;
        if (uri.Parameters.TryGetValue("certificatePolicy", out var policy))
        {
            validate = policy.ToLowerInvariant() switch
            {
                "accept" => false,
                "validate" => true,
                _ => throw SettingParser.Bad(uri, "certificatePolicy", $"'{policy}' is not one of accept, validate"),
            };
        }

        var smtp = options.Smtp ?? new SmtpOptions();
        var tls = smtp.Tls ?? new SmtpTlsOptions();
        var thumbprint = CertificateValidator.ThumbprintSetting(uri, tls.TrustedCertificateThumbprint);

        var mtaSts = MtaStsUse.Enforce;
        if (uri.Parameters.TryGetValue("mtaSts", out var sts))
        {
            mtaSts = sts.ToLowerInvariant() switch
            {
                "enforce" => MtaStsUse.Enforce,
                "testing" => MtaStsUse.Testing,
                "off" => MtaStsUse.Off,
                _ => throw SettingParser.Bad(uri, "mtaSts", $"'{sts}' is not one of enforce (the default: policies as published), testing (log only), off"),
            };
        }

        var port = SettingParser.Integer(uri, "port", DirectDefaults.Port, 1, 65535);
        var nameServers = ParseNameServers(uri);
        var name = string.Create(CultureInfo.InvariantCulture, $"direct:?port={port}")
            + (nameServers.Length == 0 ? string.Empty : "&dns=" + string.Join(",", nameServers.Select(s => s.ToString())))
            + (requireTls ? "&requireTls=true" : string.Empty)
            + (mtaSts == MtaStsUse.Enforce ? string.Empty : "&mtaSts=" + mtaSts.ToString().ToLowerInvariant());
        return new DirectTransportSettings
        {
            NameServers = nameServers,
            Port = port,
            RequireTls = requireTls,
            MtaSts = mtaSts,
            ValidateCertificates = validate,
            ConnectTimeout = SettingParser.Duration(uri, "connectTimeout", smtp.ConnectTimeout),
            CommandTimeout = SettingParser.Duration(uri, "timeout", smtp.CommandTimeout),
            DnsTimeout = SettingParser.Duration(uri, "dnsTimeout", DirectDefaults.DnsTimeout),
            EhloName = SettingParser.EhloName(uri, smtp.EhloName),
            // One message per connection: aggressive would save a round trip to hosts nobody vetted, so it is allowed but never the default.
            Pipelining = SettingParser.Pipelining(uri, smtp.Pipelining),
            MaxConnectionsPerDomain = SettingParser.Integer(uri, "maxPerDomain", DirectDefaults.MaxConnectionsPerDomain, 1, 100),
            MaxConnections = SettingParser.Integer(uri, "maxConnections", DirectDefaults.MaxConnections, 1, 1000),
            TrustedCaFile = SettingParser.Text(uri, "caFile", tls.TrustedCaFile),
            TrustedCertificateThumbprint = thumbprint,
            DisplayName = name,
        };
    }

    /// <summary>Parses <c>dns=IP[:PORT][,IP[:PORT]...]</c>; IPv6 with a port goes in brackets (<c>[::1]:53</c>).</summary>
    private static IPEndPoint[] ParseNameServers(TransportUri uri)
    {
        if (!uri.Parameters.TryGetValue("dns", out var text) || string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var servers = new List<IPEndPoint>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (DnsNameServers.TryParse(part, out var endpoint))
            {
                servers.Add(endpoint);
            }
            else
            {
                throw SettingParser.Bad(uri, "dns", string.Create(CultureInfo.InvariantCulture, $"'{part}' is not an IP address with an optional port (e.g. 127.0.0.1:15353, [::1]:53); name servers are given by address"));
            }
        }

        return [.. servers];
    }
}
