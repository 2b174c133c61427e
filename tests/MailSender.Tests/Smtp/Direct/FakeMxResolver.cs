using System.Collections.Concurrent;
using System.Net;
using MailSender.Smtp.Direct;

namespace MailSender.Tests.Smtp.Direct;

/// <summary>An <see cref="IMxResolver"/> answering from tables, for tests without a DNS server. Unknown domains are NXDOMAIN.</summary>
internal sealed class FakeMxResolver : IMxResolver
{
    private readonly Dictionary<string, MxLookup> _mx = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IPAddress[]> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string[]?> _texts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the TXT names looked up, in order (kept apart from <see cref="Queries"/>, which every direct send makes).</summary>
    public ConcurrentQueue<string> TextQueries { get; } = new();

    /// <summary>Sets the TXT records of a name; <see langword="null"/> makes its lookup fail.</summary>
    public FakeMxResolver Text(string name, params string[]? records)
    {
        lock (_texts)
        {
            _texts[name] = records;
        }

        return this;
    }

    /// <summary>Gets the names looked up, in order (MX lookups as "MX name", address lookups as "A name").</summary>
    public ConcurrentQueue<string> Queries { get; } = new();

    public FakeMxResolver Mx(string domain, params (string Host, int Preference)[] records)
    {
        _mx[domain] = MxLookup.Found(records.Select(r => new MxRecord(r.Host, r.Preference)).ToArray());
        return this;
    }

    public FakeMxResolver Mx(string domain, MxLookup lookup)
    {
        _mx[domain] = lookup;
        return this;
    }

    public FakeMxResolver Address(string host, params string[] addresses)
    {
        _addresses[host] = addresses.Select(IPAddress.Parse).ToArray();
        return this;
    }

    public Task<MxLookup> LookupMxAsync(string domain, CancellationToken cancellationToken)
    {
        Queries.Enqueue("MX " + domain);
        return Task.FromResult(_mx.TryGetValue(domain, out var lookup) ? lookup : _addresses.ContainsKey(domain) ? MxLookup.NoRecords : MxLookup.DomainNotFound);
    }

    public Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        Queries.Enqueue("A " + host);
        return Task.FromResult<IReadOnlyList<IPAddress>>(_addresses.TryGetValue(host, out var addresses) ? addresses : []);
    }

    public Task<IReadOnlyList<string>> LookupTextAsync(string name, CancellationToken cancellationToken)
    {
        TextQueries.Enqueue(name);
        lock (_texts)
        {
            return !_texts.TryGetValue(name, out var records) ? Task.FromResult<IReadOnlyList<string>>([])
                : records is null ? Task.FromException<IReadOnlyList<string>>(new DnsLookupException($"the TXT lookup of '{name}' timed out"))
                : Task.FromResult<IReadOnlyList<string>>(records);
        }
    }
}
