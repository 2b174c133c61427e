using System.Net;

namespace MailSender.Smtp.Direct;

/// <summary>Looks up the mail exchangers of a domain and the addresses of a host: the seam between direct delivery and DNS.</summary>
internal interface IMxResolver
{
    /// <summary>Looks up the MX records of <paramref name="domain"/> (an ASCII domain name).</summary>
    Task<MxLookup> LookupMxAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Looks up the A and AAAA records of <paramref name="host"/>, IPv4 first; empty when it has none.</summary>
    /// <exception cref="DnsLookupException">The name servers did not answer, or answered with an error other than "no such name".</exception>
    Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken);

    /// <summary>Looks up the TXT records of <paramref name="name"/>, each record's strings joined; empty when it has none or does not exist.</summary>
    /// <exception cref="DnsLookupException">The name servers did not answer, or answered with an error other than "no such name".</exception>
    Task<IReadOnlyList<string>> LookupTextAsync(string name, CancellationToken cancellationToken);
}

/// <summary>One MX record: a host name (without the trailing dot; <c>.</c> for a null MX) and its preference.</summary>
internal readonly record struct MxRecord(string Host, int Preference);

/// <summary>What the MX lookup of one domain found.</summary>
internal enum MxLookupStatus
{
    /// <summary>The domain has MX records (possibly only a null MX).</summary>
    Found,

    /// <summary>The domain exists but has no MX record: RFC 5321 says to use its A/AAAA records (implicit MX).</summary>
    NoRecords,

    /// <summary>The domain does not exist (NXDOMAIN).</summary>
    DomainNotFound,

    /// <summary>The name servers failed or did not answer: a later attempt may succeed.</summary>
    Failed,
}

/// <summary>The result of an MX lookup.</summary>
internal sealed record MxLookup(MxLookupStatus Status, IReadOnlyList<MxRecord> Records, string? Problem = null)
{
    public static MxLookup Found(params MxRecord[] records) => new(MxLookupStatus.Found, records);

    public static readonly MxLookup NoRecords = new(MxLookupStatus.NoRecords, []);

    public static readonly MxLookup DomainNotFound = new(MxLookupStatus.DomainNotFound, []);

    public static MxLookup Failed(string problem) => new(MxLookupStatus.Failed, [], problem);
}

/// <summary>A DNS lookup failed in a way that may be temporary (timeout, SERVFAIL).</summary>
internal sealed class DnsLookupException(string message, Exception? innerException = null) : Exception(message, innerException);
