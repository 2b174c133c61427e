namespace MailSender.Deliverability.Domains;

/// <summary>
/// The organizational domain of a host name, for DMARC's relaxed alignment (RFC 7489, 3.2), by a heuristic rather
/// than the whole public suffix list: the last two labels, or three when the last two look like a country's
/// second-level suffix (<c>example.co.uk</c>, <c>example.com.au</c>). It can be wrong for private suffixes such as
/// hosting platforms; the findings say "same organization" only, never more.
/// </summary>
internal static class OrganizationalDomain
{
    private static readonly HashSet<string> SecondLevel = new(StringComparer.OrdinalIgnoreCase) { "co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "nic", "mil", "ltd", "plc" };

    public static string Of(string domain)
    {
        var labels = domain.Trim().TrimEnd('.').ToLowerInvariant().Split('.');
        if (labels.Length <= 2)
        {
            return string.Join('.', labels);
        }

        var take = labels[^1].Length == 2 && SecondLevel.Contains(labels[^2]) ? 3 : 2;
        return string.Join('.', labels[^take..]);
    }

    public static bool Aligned(string a, string b) => string.Equals(Of(a), Of(b), StringComparison.Ordinal);
}
