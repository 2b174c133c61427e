namespace MailSender.Deliverability.Domains;

/// <summary>
/// Reads a tag list (<c>v=DKIM1; k=rsa; p=...</c>, RFC 6376 3.2), the syntax of DKIM signatures, DKIM key records
/// and DMARC records: names lowercased, whitespace inside values dropped, the first of a repeated tag kept.
/// </summary>
internal static class TagList
{
    public static Dictionary<string, string> Parse(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.Split('=', 2))
            .Where(t => t.Length == 2)
            .GroupBy(t => t[0].Trim().ToLowerInvariant())
            .ToDictionary(g => g.Key, g => string.Concat(g.First()[1].Where(c => !char.IsWhiteSpace(c))), StringComparer.Ordinal);
}
