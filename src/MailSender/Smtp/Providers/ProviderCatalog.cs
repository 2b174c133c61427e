using System.Collections.Frozen;
using System.Text.Json;

namespace MailSender.Smtp.Providers;

/// <summary>The provider presets embedded in the library, loaded once, with lookups by id or alias, host and e-mail domain.</summary>
internal static class ProviderCatalog
{
    internal const string ResourceName = "MailSender.Providers.providers.json";

    private static readonly Lazy<Index> Data = new(Load);

    /// <summary>Gets every preset, in the data file's order.</summary>
    public static IReadOnlyList<ProviderEntry> All => Data.Value.All;

    /// <summary>Finds a preset by id or alias, ignoring case, spaces, dots, dashes and underscores (<c>SendGrid</c>, <c>aws-ses</c>, <c>Google Mail</c>).</summary>
    public static ProviderEntry? FindById(string idOrAlias)
    {
        ArgumentNullException.ThrowIfNull(idOrAlias);
        return Data.Value.ByName.GetValueOrDefault(Normalize(idOrAlias));
    }

    /// <summary>
    /// Finds the preset whose id or alias is nearest to a mistyped <paramref name="name"/> (<c>sendgird</c>: <c>sendgrid</c>):
    /// at most two edits apart (one for names of up to four letters), and nearer than any other; else <see langword="null"/>.
    /// </summary>
    public static ProviderEntry? FindNearest(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Normalize(name);
        var limit = key.Length <= 4 ? 1 : 2;
        ProviderEntry? best = null;
        var bestDistance = int.MaxValue;
        var tie = false;
        foreach (var (candidate, provider) in Data.Value.ByName)
        {
            var distance = EditDistance(key, candidate, limit);
            if (distance < bestDistance)
            {
                (best, bestDistance, tie) = (provider, distance, false);
            }
            else if (distance == bestDistance && !ReferenceEquals(best, provider))
            {
                tie = true;
            }
        }

        return bestDistance <= limit && !tie ? best : null;
    }

    /// <summary>Damerau-Levenshtein distance (optimal string alignment: a swap of two neighbours is one edit), capped above <paramref name="limit"/>.</summary>
    internal static int EditDistance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return Math.Min(d[a.Length, b.Length], limit + 1);
    }

    /// <summary>Finds the preset that owns <paramref name="host"/> (its recommended host, a region's or an alternative endpoint's), ignoring case and a trailing dot.</summary>
    public static ProviderEntry? FindByHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var key = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (Data.Value.ByHost.TryGetValue(key, out var entry))
        {
            return entry;
        }

        // Hosts built from a pattern, e.g. email-smtp.<region>.amazonaws.com for a region not in the data.
        return Data.Value.All.FirstOrDefault(p => p.HostPattern is { } pattern && MatchesPattern(pattern, key));
    }

    /// <summary>Finds the mailbox provider serving <paramref name="domain"/> (e.g. <c>gmail.com</c>), or the domain of an address (<c>ann@gmail.com</c>).</summary>
    public static ProviderEntry? FindByEmailDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var at = domain.LastIndexOf('@');
        var key = (at >= 0 ? domain[(at + 1)..] : domain).Trim().TrimEnd('.').ToLowerInvariant();
        return Data.Value.ByDomain.GetValueOrDefault(key);
    }

    /// <summary>
    /// For auto-detection: the recommended endpoint of the preset owning <paramref name="host"/>, else of the mailbox provider
    /// serving <paramref name="senderDomain"/> (with its regional host, e.g. <c>gmx.com</c> uses <c>mail.gmx.com</c>).
    /// </summary>
    /// <returns>The endpoint and the preset's id as its source, or <see langword="null"/> when no preset matches.</returns>
    public static (string Host, int Port, SmtpSecurity Security, string Source)? FindEndpoint(string host, string? senderDomain)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (FindByHost(host) is { } byHost)
        {
            // The host the caller names (e.g. a SES region's) with the preset's port and security.
            return (host.Trim().TrimEnd('.').ToLowerInvariant(), byHost.Port, ProviderPresets.Security(byHost.Security), "preset:" + byHost.Id);
        }

        if (senderDomain is not null && FindByEmailDomain(senderDomain) is { Host: not null } byDomain)
        {
            var domain = senderDomain[(senderDomain.LastIndexOf('@') + 1)..].Trim().TrimEnd('.');
            return (HostForEmailDomain(byDomain, domain)!, byDomain.Port, ProviderPresets.Security(byDomain.Security), "preset:" + byDomain.Id);
        }

        return null;
    }

    /// <summary>Gets the host a preset uses for <paramref name="region"/> (or its default region), or <see langword="null"/> when the region is unknown or one is required.</summary>
    public static string? HostFor(ProviderEntry provider, string? region)
    {
        if (region is null)
        {
            return provider.Host;
        }

        return provider.Regions.FirstOrDefault(r => string.Equals(r.Id, region, StringComparison.OrdinalIgnoreCase))?.Host;
    }

    /// <summary>Gets the host a mailbox provider uses for addresses at <paramref name="domain"/> (e.g. GMX: <c>gmx.com</c> uses <c>mail.gmx.com</c>).</summary>
    public static string? HostForEmailDomain(ProviderEntry provider, string domain) =>
        provider.Regions.FirstOrDefault(r => r.EmailDomains.Contains(domain, StringComparer.OrdinalIgnoreCase))?.Host ?? provider.Host;

    internal static string Normalize(string name)
    {
        Span<char> buffer = stackalloc char[Math.Min(name.Length, 256)];
        var length = 0;
        foreach (var c in name.AsSpan(0, buffer.Length))
        {
            if (c is not (' ' or '.' or '-' or '_'))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        return new string(buffer[..length]);
    }

    internal static ProviderDocument ReadDocument()
    {
        using var stream = typeof(ProviderCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the MailSender assembly.");
        return JsonSerializer.Deserialize(stream, ProviderJsonContext.Default.ProviderDocument)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is empty.");
    }

    private static bool MatchesPattern(string pattern, string host)
    {
        var placeholder = pattern.IndexOf('<', StringComparison.Ordinal);
        var end = pattern.IndexOf('>', StringComparison.Ordinal);
        if (placeholder < 0 || end < placeholder)
        {
            return false;
        }

        var prefix = pattern[..placeholder];
        var suffix = pattern[(end + 1)..];
        return host.Length > prefix.Length + suffix.Length &&
            host.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
            host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
            !host.AsSpan(prefix.Length, host.Length - prefix.Length - suffix.Length).Contains('.');
    }

    private static Index Load()
    {
        var document = ReadDocument();
        var byName = new Dictionary<string, ProviderEntry>(StringComparer.Ordinal);
        var byHost = new Dictionary<string, ProviderEntry>(StringComparer.Ordinal);
        var byDomain = new Dictionary<string, ProviderEntry>(StringComparer.Ordinal);
        foreach (var provider in document.Providers)
        {
            // First one wins; the data tests check that names and domains are unique.
            foreach (var name in provider.Aliases.Prepend(provider.Id))
            {
                byName.TryAdd(Normalize(name), provider);
            }

            var hosts = provider.Regions.Select(r => r.Host).Concat(provider.Endpoints.Select(e => e.Host));
            foreach (var host in provider.Host is null ? hosts : hosts.Prepend(provider.Host))
            {
                if (System.Net.IPAddress.TryParse(host, out _))
                {
                    // Proton Bridge listens on 127.0.0.1: any local server would otherwise look like it.
                    continue;
                }

                // Several presets share a host (Gmail and Google Workspace): the first, more common one answers.
                byHost.TryAdd(host.ToLowerInvariant(), provider);
            }

            foreach (var domain in provider.EmailDomains)
            {
                byDomain.TryAdd(domain.ToLowerInvariant(), provider);
            }
        }

        return new Index(document.Providers, byName.ToFrozenDictionary(), byHost.ToFrozenDictionary(), byDomain.ToFrozenDictionary());
    }

    private sealed record Index(
        IReadOnlyList<ProviderEntry> All,
        FrozenDictionary<string, ProviderEntry> ByName,
        FrozenDictionary<string, ProviderEntry> ByHost,
        FrozenDictionary<string, ProviderEntry> ByDomain);
}
