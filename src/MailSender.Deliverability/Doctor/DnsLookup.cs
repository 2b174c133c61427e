using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace MailSender.Deliverability.Doctor;

/// <summary>TXT, MX, A/AAAA and PTR questions through DnsClient, one name server or the system's; a server that does not answer is a <see cref="DnsUnavailableException"/>, not an empty answer.</summary>
internal sealed class DnsLookup
{
    private readonly LookupClient _client;
    private readonly string _server;

    // One instance per doctor run, whose checks ask the same names again (the SPF lookup count, the relay's include, the
    // sending address's evaluation): each question goes to the name server once. The checks run one after another.
    private readonly Dictionary<(string Name, QueryType Type), IDnsQueryResponse> _answers = [];

    public DnsLookup(IPEndPoint? server, TimeSpan timeout)
    {
        var options = server is null ? new LookupClientOptions() : new LookupClientOptions(new NameServer(server));
        options.UseCache = false;
        options.Timeout = timeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        _client = new LookupClient(options);
        _server = server?.ToString() ?? "the system's name servers";
    }

    public async Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
        return response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
    }

    public async Task<IReadOnlyList<string>> MxAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.MX, cancellationToken).ConfigureAwait(false);
        return response.Answers.MxRecords().OrderBy(r => r.Preference).Select(r => r.Exchange.Value.TrimEnd('.')).ToList();
    }

    /// <summary>The A and AAAA addresses of <paramref name="name"/> (empty when it has none).</summary>
    public async Task<IReadOnlyList<IPAddress>> AddressesAsync(string name, CancellationToken cancellationToken)
    {
        var v4 = await QueryAsync(name, QueryType.A, cancellationToken).ConfigureAwait(false);
        var v6 = await QueryAsync(name, QueryType.AAAA, cancellationToken).ConfigureAwait(false);
        return [.. v4.Answers.ARecords().Select(r => r.Address), .. v6.Answers.AaaaRecords().Select(r => r.Address)];
    }

    /// <summary>The names of the PTR records of <paramref name="address"/> (empty when it has none).</summary>
    public async Task<IReadOnlyList<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(address.GetArpaName(), QueryType.PTR, cancellationToken).ConfigureAwait(false);
        return response.Answers.PtrRecords().Select(r => r.PtrDomainName.Value.TrimEnd('.')).ToList();
    }

    private async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        var key = (name.ToLowerInvariant(), type);
        if (!_answers.TryGetValue(key, out var response))
        {
            response = await AskAsync(name, type, cancellationToken).ConfigureAwait(false);
            _answers[key] = response;
        }

        return response;
    }

    private async Task<IDnsQueryResponse> AskAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            if (response.HasError && response.Header.ResponseCode is not (DnsHeaderResponseCode.NotExistentDomain or DnsHeaderResponseCode.NoError))
            {
                throw new DnsUnavailableException($"{_server} answered {response.ErrorMessage} for {type} {name}; the records could not be checked.");
            }

            return response;
        }
        catch (DnsResponseException e)
        {
            throw new DnsUnavailableException($"{_server} did not answer ({e.Code}) for {type} {name}; no record could be checked.", e);
        }
    }
}
