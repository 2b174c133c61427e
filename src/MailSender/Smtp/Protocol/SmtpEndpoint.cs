using System.Globalization;
using System.Net;
using MailSender.Internal;
using MailSender.Smtp.Providers;

namespace MailSender.Smtp.Protocol;

/// <summary>Where and how one SMTP connection is made: the server, its encryption, timeouts, EHLO name and credentials.</summary>
internal sealed record SmtpEndpoint
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    /// <summary>Gets the encryption: <see cref="SmtpSecurity.Auto"/> is implicit TLS on port 465, else STARTTLS when offered.</summary>
    public required SmtpSecurity Security { get; init; }

    /// <summary>Gets the address to connect to instead of resolving <see cref="Host"/>, which is still what TLS checks (direct delivery resolves MX hosts itself).</summary>
    public IPAddress? ConnectAddress { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = MailSenderDefaults.ConnectTimeout;

    public TimeSpan CommandTimeout { get; init; } = MailSenderDefaults.CommandTimeout;

    /// <summary>Gets the name sent in EHLO (checked to be a domain or an address literal); <see langword="null"/> for the machine's host name.</summary>
    public string? EhloName { get; init; }

    /// <summary>Gets the credentials, or <see langword="null"/> to send without authenticating.</summary>
    public SmtpCredentials? Credentials { get; init; }

    public bool AllowInsecureAuthentication { get; init; }

    /// <summary>Gets how commands and messages overlap on a connection (used only when the server offers PIPELINING).</summary>
    public SmtpPipelining Pipelining { get; init; } = SmtpPipelining.On;

    /// <summary>Gets how many transactions may be outstanding on one connection with <see cref="SmtpPipelining.Aggressive"/>.</summary>
    public int MaxInFlight { get; init; } = MailSenderDefaults.MaxInFlight;

    /// <summary>Gets the provider preset behind the endpoint, for hints and OAuth; <see langword="null"/> for other servers.</summary>
    public SmtpProviderContext? Provider { get; init; }

    /// <summary>Gets the transport's description for errors (no password); by default <c>smtp://user@host:port?security=...</c>.</summary>
    public string DisplayName
    {
        get => field ?? Describe(Host, Port, Security, DisplayUserName);
        init;
    }

    /// <summary>Gets <c>host:port</c>, with an IPv6 host in brackets.</summary>
    public string Address => TransportUri.FormatHost(Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Gets a value indicating whether TLS starts with the connection (implicit TLS).</summary>
    public bool ImplicitTls => Security == SmtpSecurity.Implicit || (Security == SmtpSecurity.Auto && Port == MailSenderDefaults.SmtpsPort);

    /// <summary>Gets the user name to show in messages: masked when it is a secret itself (Postmark's server token).</summary>
    public string? DisplayUserName => Credentials?.UserName is { } user && Provider?.UserNameIsSecret == true ? AuthenticationSecrets.Placeholder : Credentials?.UserName;

    /// <summary>Describes an endpoint for results and logs: scheme, user, host, port (when known) and security, never the password.</summary>
    public static string Describe(string host, int? port, SmtpSecurity security, string? displayUser) =>
        $"smtp://{(displayUser is null ? string.Empty : Uri.EscapeDataString(displayUser) + "@")}{TransportUri.FormatHost(host)}{(port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty)}?security={security.ToString().ToLowerInvariant()}";

    // The record's generated ToString would print the credentials' members.
    public override string ToString() => DisplayName;
}

/// <summary>Who authenticates: a user with a password, or with OAuth 2.0 tokens from <see cref="Tokens"/>.</summary>
internal sealed record SmtpCredentials(string UserName, string? Password, ISmtpAccessTokenProvider? Tokens)
{
    // Never print the password.
    public override string ToString() => UserName;
}
