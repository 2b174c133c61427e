using System.Globalization;
using MimeKit;

namespace MailSender.Smtp.Direct;

/// <summary>The pure parts of direct delivery: recipients grouped by domain, MX records in the order to try them.</summary>
internal static class DirectRouting
{
    private static readonly IdnMapping Idn = new();

    /// <summary>
    /// Groups recipients by domain, compared case-insensitively after converting internationalized names to ASCII (punycode),
    /// in the order the domains first appear. A domain that cannot be converted gets its own group with <see cref="DomainGroup.Problem"/> set.
    /// </summary>
    public static IReadOnlyList<DomainGroup> GroupByDomain(IReadOnlyList<MailboxAddress> recipients)
    {
        var groups = new List<DomainGroup>();
        foreach (var recipient in recipients)
        {
            var (domain, problem) = ToAsciiDomain(recipient.Domain);
            var group = groups.Find(g => string.Equals(g.Domain, domain, StringComparison.Ordinal));
            if (group is null)
            {
                group = new DomainGroup(domain, problem);
                groups.Add(group);
            }

            group.Recipients.Add(recipient);
        }

        return groups;
    }

    /// <summary>Converts a domain to lower-case ASCII; returns a problem instead when it is not a valid domain name.</summary>
    public static (string Domain, string? Problem) ToAsciiDomain(string? domain)
    {
        var text = (domain ?? string.Empty).Trim();
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        if (text.Length == 0)
        {
            return (string.Empty, "the address has no domain");
        }

        if (text.StartsWith('['))
        {
            // An address literal (user@[192.0.2.1]) names the host itself.
            return (text.ToLowerInvariant(), null);
        }

        try
        {
            return (Idn.GetAscii(text).ToLowerInvariant(), null);
        }
        catch (ArgumentException)
        {
            return (text.ToLowerInvariant(), $"'{text}' is not a valid domain name");
        }
    }

    /// <summary>
    /// Orders MX records by preference (lowest first), shuffling hosts of equal preference (RFC 5321, 5.1) and dropping
    /// duplicate hosts and null-MX entries mixed with real ones.
    /// </summary>
    public static IReadOnlyList<MxRecord> Order(IEnumerable<MxRecord> records, Random random)
    {
        var ordered = new List<MxRecord>();
        foreach (var group in records.Where(r => !IsNullMx(r)).GroupBy(r => r.Preference).OrderBy(g => g.Key))
        {
            var hosts = group.ToArray();
            random.Shuffle(hosts);
            foreach (var host in hosts)
            {
                if (!ordered.Exists(o => string.Equals(o.Host, host.Host, StringComparison.OrdinalIgnoreCase)))
                {
                    ordered.Add(host);
                }
            }
        }

        return ordered;
    }

    /// <summary>Gets a value indicating whether the records are a null MX (RFC 7505): one record whose host is the root, <c>.</c>.</summary>
    public static bool IsNullMx(IReadOnlyList<MxRecord> records) => records.Count > 0 && records.All(IsNullMx);

    private static bool IsNullMx(MxRecord record) => record.Host is "." or "";

    /// <summary>Formats a preference for logs.</summary>
    public static string Describe(MxRecord record) => string.Create(CultureInfo.InvariantCulture, $"{record.Host} (preference {record.Preference})");
}

/// <summary>The recipients of one domain.</summary>
/// <param name="Domain">The domain in lower-case ASCII (or an address literal in brackets).</param>
/// <param name="Problem">Why the domain cannot be delivered to before any lookup, or <see langword="null"/>.</param>
internal sealed record DomainGroup(string Domain, string? Problem)
{
    public List<MailboxAddress> Recipients { get; } = [];
}
