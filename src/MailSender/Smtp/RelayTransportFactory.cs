using System.Globalization;
using MailSender.Internal;
using MailSender.Smtp.Providers;

namespace MailSender.Smtp;

/// <summary>
/// Creates SMTP transports for <c>relay://PROVIDER</c> URIs (e.g. <c>relay://sendgrid</c>, <c>relay://ses?region=eu-west-1</c>):
/// the preset gives host, port, security, the user-name convention and limits; everything else is as for <c>smtp://</c>.
/// </summary>
internal sealed class RelayTransportFactory : IEmailTransportFactory
{
    private static readonly string[] RelayParameters = ["region", "host", "port"];

    private readonly SmtpTransportServices _services;

    public RelayTransportFactory(SmtpTransportServices services)
    {
        _services = services;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["relay"];

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
        return CreateSettings(uri, context.Options, SmtpTransportServices.EnvironmentPassword(), _services.SenderTokens(context.SenderName), _services.ContainerTokens());
    }

    /// <summary>Resolves a <c>relay://</c> URI into the settings of an SMTP transport, without side effects.</summary>
    /// <remarks>The preset's documented pool and rate limits are put into the options before (<see cref="ProviderPresetLimits"/>).</remarks>
    internal static SmtpTransportSettings CreateSettings(TransportUri uri, MailSenderOptions options, string? environmentPassword, ISmtpAccessTokenProvider? senderTokens = null, ISmtpAccessTokenProvider? containerTokens = null)
    {
        SettingParser.RejectUnknown(uri, [.. RelayParameters, .. SmtpTransportFactory.KnownParameters]);
        var (preset, relayHost) = ResolveHost(uri);
        var port = SettingParser.Integer(uri, "port", preset.Port, 1, 65535);
        SmtpSecurity? security = uri.Parameters.ContainsKey("security") ? null : ProviderPresets.SecurityForPort(preset, relayHost, port);
        var (userName, password) = Credentials(uri, options, environmentPassword, preset);

        // The SMTP factory does the rest (options, pool, validation), as for smtp://HOST:PORT?security=...
        var parameters = new Dictionary<string, string>(uri.Parameters, StringComparer.OrdinalIgnoreCase);
        foreach (var relayParameter in RelayParameters)
        {
            parameters.Remove(relayParameter);
        }

        if (security is { } presetSecurity)
        {
            parameters["security"] = presetSecurity.ToString().ToLowerInvariant();
        }

        var smtpUri = TransportUri.ForHost("smtp", relayHost, port, userName, password, parameters);
        return SmtpTransportFactory.CreateSettings(smtpUri, options, environmentPassword, senderTokens, containerTokens, ProviderPresets.Context(preset));
    }

    /// <summary>
    /// The preset a <c>relay://</c> URI names and the host mail goes to (<c>host=</c>, else the preset's host for
    /// <c>region=</c>); a missing or unknown provider or region is an <see cref="EmailErrorKind.Configuration"/> error.
    /// Also what <c>mailsender doctor --transport</c> checks SPF for.
    /// </summary>
    internal static (ProviderEntry Preset, string Host) ResolveHost(TransportUri uri)
    {
        var name = uri.Host ?? uri.Path?.Trim('/');
        if (string.IsNullOrEmpty(name))
        {
            throw new EmailSendException(EmailErrorKind.Configuration, "Invalid transport relay: the provider is missing (expected relay://PROVIDER, e.g. relay://sendgrid).")
            {
                Hint = "Known providers: " + KnownIds() + ". Run 'mailsender providers' for the list.",
            };
        }

        var preset = ProviderCatalog.FindById(name) ?? throw UnknownProvider(name, $"Invalid transport relay://{name}");

        var region = uri.Parameters.GetValueOrDefault("region");
        var host = uri.Parameters.GetValueOrDefault("host");
        if (region is not null && preset.Regions.Count == 0)
        {
            throw SettingParser.Bad(uri, "region", $"{preset.Name} has no regions; remove region=");
        }

        var presetHost = ProviderCatalog.HostFor(preset, region);
        if (presetHost is null && host is null)
        {
            var regions = string.Join(", ", preset.Regions.Select(r => r.Id));
            throw new EmailSendException(EmailErrorKind.Configuration, region is null
                ? $"Invalid transport relay://{preset.Id}: {preset.Name} needs a region (region=...)."
                : $"Invalid transport relay://{preset.Id}: unknown region '{region}' for {preset.Name}.")
            {
                Hint = $"Valid regions: {regions}. E.g. relay://{preset.Id}?region={preset.DefaultRegion ?? preset.Regions[0].Id}.",
            };
        }

        return (preset, host ?? presetHost!);
    }

    /// <summary>User and password from the URI, the options or <c>MAILSENDER_PASSWORD</c>, with the provider's fixed conventions filled in.</summary>
    private static (string? UserName, string? Password) Credentials(TransportUri uri, MailSenderOptions options, string? environmentPassword, ProviderEntry preset)
    {
        var userName = uri.UserName ?? NullIfEmpty(options.UserName);
        var password = uri.Password ?? NullIfEmpty(options.Password);
        if (preset.PasswordIsUserName)
        {
            // Postmark: the server token is both; give it once, as user or password.
            password ??= userName ?? NullIfEmpty(environmentPassword);
            userName ??= password;
        }

        // SendGrid's 'apikey', SparkPost's 'SMTP_Injection': the user name is a constant, only the key is secret.
        userName ??= preset.UserName;
        return (userName, password);
    }

    /// <summary>The error for a name no preset has, listing the known ids; shared by <c>relay://</c> and <c>UseProvider</c>.</summary>
    /// <param name="name">The name as given.</param>
    /// <param name="subject">What was being configured, e.g. <c>Invalid transport relay://sendgird</c>.</param>
    internal static EmailSendException UnknownProvider(string name, string subject)
    {
        // A typo gets one suggestion; the whole list (48 ids) only when nothing is near.
        var nearest = ProviderCatalog.FindNearest(name);
        return new(EmailErrorKind.Configuration, nearest is null
            ? $"{subject}: unknown provider '{name}'."
            : $"{subject}: unknown provider '{name}'. Did you mean '{nearest.Id}' ({nearest.Name})?")
        {
            Hint = nearest is null
                ? "Known providers: " + KnownIds() + ". Run 'mailsender providers' for the list, or use smtp://host:port for another server."
                : $"Use relay://{nearest.Id}. Run 'mailsender providers' for the list of presets, or use smtp://host:port for another server.",
        };
    }

    private static string KnownIds() => string.Join(", ", ProviderCatalog.All.Select(p => p.Id));

    private static string? NullIfEmpty(string? value) => SmtpTransportFactory.NullIfEmpty(value);

    internal static string BuildUri(string provider, SmtpProviderOptions options)
    {
        var query = new List<string>();
        if (options.Region is { Length: > 0 } region)
        {
            query.Add("region=" + Uri.EscapeDataString(region));
        }

        if (options.Host is { Length: > 0 } host)
        {
            query.Add("host=" + Uri.EscapeDataString(host));
        }

        if (options.Port is { } port)
        {
            query.Add("port=" + port.ToString(CultureInfo.InvariantCulture));
        }

        return "relay://" + provider + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query));
    }
}
