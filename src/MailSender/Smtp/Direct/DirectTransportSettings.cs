using System.Net;
using MailSender.Internal;
using MailSender.Smtp.Protocol;

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

    /// <summary>Gets how the recipient domains' MTA-STS policies are used (<c>mtaSts=</c>).</summary>
    public MtaStsUse MtaSts { get; init; } = MtaStsUse.Enforce;

    /// <summary>Gets the port of the policy web servers: 443 (a test seam; not a URI option).</summary>
    internal int MtaStsPolicyPort { get; init; } = 443;

    /// <summary>Gets the trust for the policy web servers' certificates: <see langword="null"/> is the system store (a test seam; not a URI option).</summary>
    internal CertificateValidator? MtaStsPolicyTrust { get; init; }

    /// <summary>Gets the limit of one policy fetch (RFC 8461, 3.3, suggests a minute).</summary>
    internal TimeSpan MtaStsFetchTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets the transport's description for results and logs.</summary>
    public string DisplayName { get; init; } = "direct:";
}

/// <summary>How direct delivery uses the recipient domains' MTA-STS policies (RFC 8461).</summary>
internal enum MtaStsUse
{
    /// <summary>As published: an <c>enforce</c> policy is enforced, a <c>testing</c> one is logged.</summary>
    Enforce,

    /// <summary>Every policy is treated as <c>testing</c>: what would fail is logged, nothing is refused.</summary>
    Testing,

    /// <summary>No MTA-STS lookups.</summary>
    Off,
}

/// <summary>The defaults of direct delivery, in one place.</summary>
internal static class DirectDefaults
{
    public const int Port = 25;
    public const int MaxConnectionsPerDomain = 2;
    public const int MaxConnections = 20;
    public static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(5);
}
