using System.Net;
using MailSender.Internal;

namespace MailSender.Smtp.Direct;

/// <summary>The resolved settings of the <c>direct:</c> transport, from its URI and the options.</summary>
internal sealed record DirectTransportSettings
{
    /// <summary>Gets the name servers to ask; empty uses the system's.</summary>
    public IReadOnlyList<IPEndPoint> NameServers { get; init; } = [];

    public int Port { get; init; } = DirectDefaults.Port;

    /// <summary>Gets a value indicating whether a domain fails rather than receive the message without STARTTLS.</summary>
    public bool RequireTls { get; init; }

    /// <summary>Gets a value indicating whether MX certificates must validate; otherwise any certificate still encrypts.</summary>
    public bool ValidateCertificates { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = MailSenderDefaults.ConnectTimeout;

    public TimeSpan CommandTimeout { get; init; } = MailSenderDefaults.CommandTimeout;

    public TimeSpan DnsTimeout { get; init; } = DirectDefaults.DnsTimeout;

    public string? EhloName { get; init; }

    /// <summary>Gets how commands overlap on each connection to an MX host (<c>pipelining</c>).</summary>
    public SmtpPipelining Pipelining { get; init; } = SmtpPipelining.On;

    public int MaxConnectionsPerDomain { get; init; } = DirectDefaults.MaxConnectionsPerDomain;

    public int MaxConnections { get; init; } = DirectDefaults.MaxConnections;

    public string? TrustedCaFile { get; init; }

    public string? TrustedCertificateThumbprint { get; init; }

    /// <summary>Gets the transport's description for results and logs.</summary>
    public string DisplayName { get; init; } = "direct:";
}

/// <summary>The defaults of direct delivery, in one place.</summary>
internal static class DirectDefaults
{
    public const int Port = 25;
    public const int MaxConnectionsPerDomain = 2;
    public const int MaxConnections = 20;
    public static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(5);
}
