using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace MailSender.Detection.Internal;

/// <summary>Looks up SRV records with DnsClient, through the system's resolvers or the configured DNS servers.</summary>
internal sealed class DnsSrvResolver : ISrvResolver
{
    public async Task<IReadOnlyList<SrvTarget>> ResolveAsync(string name, IReadOnlyList<string> dnsServers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var options = dnsServers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions([.. dnsServers.Select(ParseServer)]);
        options.Timeout = timeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.UseCache = true;
        var client = new LookupClient(options);
        var response = await client.QueryAsync(name, QueryType.SRV, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        if (response.HasError)
        {
            return [];
        }

        return Order(response.Answers.OfType<SrvRecord>().Select(r => new SrvTarget(r.Target.Value, r.Port, r.Priority, r.Weight)));
    }

    /// <summary>Drops "service not available" records (target ".", RFC 2782) and orders by priority, then weight.</summary>
    internal static SrvTarget[] Order(IEnumerable<SrvTarget> records) =>
    [
        .. records
            .Where(r => r.Port > 0 && r.Host.TrimEnd('.').Length > 0)
            .Select(r => r with { Host = r.Host.TrimEnd('.') })
            .OrderBy(r => r.Priority)
            .ThenByDescending(r => r.Weight),
    ];

    /// <summary>Parses <c>IP</c> or <c>IP:PORT</c> (<c>[IPv6]:PORT</c>); port 53 when none is given.</summary>
    internal static IPEndPoint ParseServer(string text)
    {
        if (IPEndPoint.TryParse(text.Trim(), out var endpoint))
        {
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
        }

        throw new EmailSendException(EmailErrorKind.Configuration, $"The DNS server '{text}' is not an IP address or IP:PORT.")
        {
            Hint = "MailSender:Detection:DnsServers takes entries such as 192.0.2.53 or 127.0.0.1:15353.",
        };
    }
}
