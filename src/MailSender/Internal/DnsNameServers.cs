using System.Diagnostics.CodeAnalysis;
using System.Net;
using DnsClient;

namespace MailSender.Internal;

/// <summary>
/// Name servers as settings give them (<c>IP</c>, <c>IP:PORT</c>, <c>[IPv6]:PORT</c>) and the DnsClient resolver that asks them:
/// one parser and one way to build a resolver for detection's SRV lookups and direct delivery's MX lookups.
/// </summary>
internal static class DnsNameServers
{
    /// <summary>The DNS port, used when a server is given without one.</summary>
    public const int DefaultPort = 53;

    /// <summary>Parses <c>IP</c> or <c>IP:PORT</c> (IPv6 with a port in brackets); port 53 when none is given.</summary>
    /// <returns><see langword="false"/> for anything else, host names included: callers word the error for their setting.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out IPEndPoint? server)
    {
        if (IPEndPoint.TryParse(text.Trim(), out var endpoint))
        {
            server = endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, DefaultPort) : endpoint;
            return true;
        }

        server = null;
        return false;
    }

    /// <summary>
    /// Creates a resolver for <paramref name="servers"/> (the system's when empty), with its own cache: create one per server
    /// list and keep it, or the cache is thrown away after every query.
    /// </summary>
    /// <param name="servers">The name servers to ask, in order.</param>
    /// <param name="timeout">How long to wait for each answer.</param>
    /// <param name="configure">The caller's further options (retries, TCP fallback, ...).</param>
    public static LookupClient CreateClient(IReadOnlyCollection<IPEndPoint> servers, TimeSpan timeout, Action<LookupClientOptions> configure)
    {
        var options = servers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions([.. servers.Select(s => new NameServer(s))]);
        options.Timeout = timeout;
        options.UseCache = true;
        options.ThrowDnsErrors = false;
        configure(options);
        return new LookupClient(options);
    }
}
