using System.Collections.Concurrent;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using MailSender.Internal;

namespace MailSender.Smtp.Detection;

/// <summary>Looks up SRV records with DnsClient, through the system's resolvers or the configured DNS servers.</summary>
internal sealed class DnsSrvResolver : ISrvResolver
{
    // One resolver per server list and timeout (a singleton serves every sender): its cache outlives a query.
    private readonly ConcurrentDictionary<(string Servers, TimeSpan Timeout), LookupClient> _clients = new();

    public async Task<IReadOnlyList<SrvTarget>> ResolveAsync(string name, IReadOnlyList<string> dnsServers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var servers = dnsServers.Select(ParseServer).ToArray();
        var client = _clients.GetOrAdd(
            (string.Join(',', servers.Select(s => s.ToString())), timeout),
            static (_, state) => DnsNameServers.CreateClient(state.Servers, state.Timeout, options => options.Retries = 1),
            (Servers: servers, Timeout: timeout));
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
    internal static IPEndPoint ParseServer(string text) =>
        DnsNameServers.TryParse(text, out var server)
            ? server
            : throw new EmailSendException(EmailErrorKind.Configuration, $"The DNS server '{text}' is not an IP address or IP:PORT.")
            {
                Hint = "MailSender:Smtp:Detection:DnsServers takes entries such as 192.0.2.53 or 127.0.0.1:15353.",
            };
}
