using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace MailSender.Smtp.Direct;

/// <summary>Resolves MX and address records with DnsClient, over UDP with TCP fallback, from the configured name servers (or the system's).</summary>
internal sealed class DnsMxResolver : IMxResolver
{
    private static readonly QueryType[] AddressTypes = [QueryType.A, QueryType.AAAA];

    private readonly Lazy<LookupClient> _client;

    public DnsMxResolver(IReadOnlyList<IPEndPoint> nameServers, TimeSpan timeout)
    {
        // Created on first use: finding the system's name servers reads files, and start-up validation creates transports it never uses.
        _client = new Lazy<LookupClient>(() => CreateClient(nameServers, timeout));
    }

    private static LookupClient CreateClient(IReadOnlyList<IPEndPoint> nameServers, TimeSpan timeout) =>
        MailSender.Internal.DnsNameServers.CreateClient(nameServers, timeout, options =>
        {
            options.Retries = 2;
            options.UseTcpFallback = true;

            // An empty answer (no MX) is an answer: asking the next server would not change it.
            options.ContinueOnEmptyResponse = false;
        });

    public async Task<MxLookup> LookupMxAsync(string domain, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.Value.QueryAsync(domain, QueryType.MX, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DnsResponseException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // InvalidOperationException: no name server configured or found on this machine.
            return MxLookup.Failed(ex.Message);
        }

        if (response.HasError)
        {
            return response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
                ? MxLookup.DomainNotFound
                : MxLookup.Failed(response.ErrorMessage);
        }

        var records = response.Answers.MxRecords()
            .Select(mx => new MxRecord(TrimDot(mx.Exchange.Value), mx.Preference))
            .ToArray();
        return records.Length == 0 ? MxLookup.NoRecords : MxLookup.Found(records);
    }

    public async Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        foreach (var type in AddressTypes)
        {
            IDnsQueryResponse response;
            try
            {
                response = await _client.Value.QueryAsync(host, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DnsResponseException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                throw new DnsLookupException($"the {type} lookup of '{host}' failed: {ex.Message}", ex);
            }

            if (response.HasError)
            {
                if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
                {
                    break;
                }

                throw new DnsLookupException($"the {type} lookup of '{host}' failed: {response.ErrorMessage}");
            }

            foreach (var record in response.Answers)
            {
                switch (record)
                {
                    case ARecord a:
                        addresses.Add(a.Address);
                        break;
                    case AaaaRecord aaaa:
                        addresses.Add(aaaa.Address);
                        break;
                }
            }
        }

        return addresses;
    }

    public async Task<IReadOnlyList<string>> LookupTextAsync(string name, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.Value.QueryAsync(name, QueryType.TXT, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DnsResponseException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            throw new DnsLookupException($"the TXT lookup of '{name}' failed: {ex.Message}", ex);
        }

        if (response.HasError)
        {
            return response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
                ? []
                : throw new DnsLookupException($"the TXT lookup of '{name}' failed: {response.ErrorMessage}");
        }

        // A record longer than 255 characters comes as several strings, to be read as one (RFC 7208, 3.3; RFC 8461, 3.1).
        return response.Answers.TxtRecords().Select(txt => string.Concat(txt.Text)).ToArray();
    }

    /// <summary>DNS names end with the root dot; the null MX is the root alone and stays <c>.</c>.</summary>
    internal static string TrimDot(string name) => name.Length > 1 && name.EndsWith('.') ? name[..^1] : name;
}
