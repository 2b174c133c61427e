using System.Net;

namespace MailSender.Deliverability.Doctor;

/// <summary>What SPF says about a sending address (RFC 7208, 2.6), or that the doctor could not tell.</summary>
internal enum SpfVerdict
{
    Pass,
    Fail,
    SoftFail,
    Neutral,
    None,

    /// <summary>A term the doctor does not evaluate (exists, ptr, a macro) was reached, or the record is broken.</summary>
    Undecided,
}

/// <summary>
/// Reads SPF records for the doctor: counts their DNS lookups, lists the domains they include, and evaluates them as a receiver would for <c>ip4</c>, <c>ip6</c>, <c>a</c>, <c>mx</c>,
/// <c>include</c>, <c>all</c> and <c>redirect</c>. Terms it does not evaluate (<c>exists</c>, <c>ptr</c>, macros) make
/// the verdict <see cref="SpfVerdict.Undecided"/> when they are reached before a match, never a guess.
/// </summary>
internal sealed class SpfEvaluator(DnsLookup dns)
{
    /// <summary>RFC 7208 4.6.4: at most 10 terms that query DNS, counted through every include.</summary>
    public const int LookupLimit = 10;

    private const int MaxDepth = 10;

    public static bool IsSpf(string record) =>
        record.Equals("v=spf1", StringComparison.OrdinalIgnoreCase) || record.StartsWith("v=spf1 ", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Counts the terms of <paramref name="record"/> (the record of <paramref name="domain"/>) that query DNS
    /// (<c>include</c>, <c>a</c>, <c>mx</c>, <c>ptr</c>, <c>exists</c>, <c>redirect</c>), through every include and
    /// redirect; the problem names an include or redirect without exactly one record, or a loop.
    /// </summary>
    public Task<(int Lookups, string? Problem)> CountLookupsAsync(string record, string domain, CancellationToken cancellationToken) =>
        CountLookupsAsync(record, 0, new HashSet<string>(StringComparer.OrdinalIgnoreCase) { domain }, cancellationToken);

    private async Task<(int Lookups, string? Problem)> CountLookupsAsync(string record, int depth, HashSet<string> seen, CancellationToken cancellationToken)
    {
        if (depth > LookupLimit)
        {
            return (LookupLimit + 1, null);
        }

        var lookups = 0;
        foreach (var term in Terms(record))
        {
            if (term.Name is not ("include" or "a" or "mx" or "ptr" or "exists" or "redirect"))
            {
                continue;
            }

            lookups++;
            if (term.Name is not ("include" or "redirect"))
            {
                continue;
            }

            var target = (term.Value ?? string.Empty).ToLowerInvariant();
            var shown = term.Name == "include" ? "include:" + target : "redirect=" + target;
            if (!seen.Add(target))
            {
                return (lookups, $"{target} is included twice (a loop)");
            }

            var included = (await dns.TxtAsync(target, cancellationToken).ConfigureAwait(false)).Where(IsSpf).ToList();
            if (included.Count != 1)
            {
                return (lookups, included.Count == 0 ? $"{shown} names a domain without an SPF record" : $"{shown} names a domain with {included.Count} SPF records");
            }

            var (inner, problem) = await CountLookupsAsync(included[0], depth + 1, seen, cancellationToken).ConfigureAwait(false);
            lookups += inner;
            if (problem is not null)
            {
                return (lookups, problem);
            }
        }

        return (lookups, null);
    }

    /// <summary>Every domain reached through <c>include:</c> and <c>redirect=</c> from <paramref name="domain"/>'s record, in lower case.</summary>
    public async Task<HashSet<string>> ReachableAsync(string domain, CancellationToken cancellationToken)
    {
        var reached = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<(string Domain, int Depth)>([(domain, 0)]);
        while (pending.TryDequeue(out var next))
        {
            if (next.Depth > MaxDepth || await RecordAsync(next.Domain, cancellationToken).ConfigureAwait(false) is not { } record)
            {
                continue;
            }

            foreach (var term in Terms(record))
            {
                var target = term.Name switch
                {
                    "include" or "redirect" => term.Value,
                    _ => null,
                };
                if (target is { Length: > 0 } && !target.Contains('%', StringComparison.Ordinal) && reached.Add(target))
                {
                    pending.Enqueue((target, next.Depth + 1));
                }
            }
        }

        return reached;
    }

    /// <summary>Evaluates <paramref name="domain"/>'s SPF record for mail from <paramref name="address"/>; the reason names the deciding term.</summary>
    public Task<(SpfVerdict Verdict, string Reason)> CheckHostAsync(IPAddress address, string domain, CancellationToken cancellationToken) =>
        CheckAsync(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, domain, 0, cancellationToken);

    private async Task<(SpfVerdict Verdict, string Reason)> CheckAsync(IPAddress address, string domain, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxDepth)
        {
            return (SpfVerdict.Undecided, "includes nest too deep");
        }

        if (await RecordAsync(domain, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return (SpfVerdict.None, $"{domain} has no single SPF record");
        }

        string? redirect = null;
        foreach (var term in Terms(record))
        {
            if (term.Name is "a" or "mx" or "include" or "redirect" && term.Value?.Contains('%', StringComparison.Ordinal) == true)
            {
                return (SpfVerdict.Undecided, $"'{term.Text}' in the record of {domain} uses a macro, which the doctor does not expand");
            }

            bool matched;
            switch (term.Name)
            {
                case "all":
                    matched = true;
                    break;
                case "ip4" or "ip6":
                    matched = Contains(term.Value, address);
                    break;
                case "a":
                    matched = Contains(await dns.AddressesAsync(term.Domain(domain), cancellationToken).ConfigureAwait(false), term.PrefixLength(address), address);
                    break;
                case "mx":
                    matched = false;
                    foreach (var host in await dns.MxAsync(term.Domain(domain), cancellationToken).ConfigureAwait(false))
                    {
                        matched |= Contains(await dns.AddressesAsync(host, cancellationToken).ConfigureAwait(false), term.PrefixLength(address), address);
                    }

                    break;
                case "include":
                    var (inner, reason) = await CheckAsync(address, term.Value ?? string.Empty, depth + 1, cancellationToken).ConfigureAwait(false);
                    if (inner is SpfVerdict.Undecided or SpfVerdict.None)
                    {
                        return (SpfVerdict.Undecided, inner == SpfVerdict.None ? $"include:{term.Value} has no single SPF record" : reason);
                    }

                    matched = inner == SpfVerdict.Pass;
                    break;
                case "exists" or "ptr":
                    return (SpfVerdict.Undecided, $"'{term.Text}' in the record of {domain} is reached before a match, and the doctor does not evaluate it");
                case "redirect":
                    redirect = term.Value;
                    continue;
                default:
                    // exp= and unknown modifiers do not change the result (RFC 7208, 6).
                    continue;
            }

            if (matched)
            {
                return (term.Qualifier switch
                {
                    '-' => SpfVerdict.Fail,
                    '~' => SpfVerdict.SoftFail,
                    '?' => SpfVerdict.Neutral,
                    _ => SpfVerdict.Pass,
                }, $"'{term.Text}' in the record of {domain}");
            }
        }

        return redirect is { Length: > 0 }
            ? await CheckAsync(address, redirect, depth + 1, cancellationToken).ConfigureAwait(false)
            : (SpfVerdict.Neutral, $"no term of {domain}'s record matches, and it has no all");
    }

    private async Task<string?> RecordAsync(string domain, CancellationToken cancellationToken)
    {
        var records = (await dns.TxtAsync(domain, cancellationToken).ConfigureAwait(false)).Where(IsSpf).ToList();
        return records.Count == 1 ? records[0] : null;
    }

    private static IEnumerable<SpfTerm> Terms(string record) =>
        record.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(SpfTerm.Parse);

    private static bool Contains(string? network, IPAddress address)
    {
        if (network is null)
        {
            return false;
        }

        var slash = network.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? network : network[..slash], out var prefix))
        {
            return false;
        }

        var bits = prefix.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (slash >= 0 && !int.TryParse(network[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bits))
        {
            return false;
        }

        return Contains([prefix], bits, address);
    }

    private static bool Contains(IEnumerable<IPAddress> prefixes, int bits, IPAddress address)
    {
        foreach (var prefix in prefixes)
        {
            if (prefix.AddressFamily != address.AddressFamily)
            {
                continue;
            }

            var a = prefix.GetAddressBytes();
            var b = address.GetAddressBytes();
            var whole = Math.Min(bits, a.Length * 8) / 8;
            var rest = Math.Min(bits, a.Length * 8) % 8;
            if (a.AsSpan(0, whole).SequenceEqual(b.AsSpan(0, whole)) && (rest == 0 || (a[whole] >> (8 - rest)) == (b[whole] >> (8 - rest))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One term: qualifier, name (<c>ip4</c>, <c>include</c>, <c>redirect</c>, ...) and value (after <c>:</c> or <c>=</c>).</summary>
    private sealed record SpfTerm(string Text, char Qualifier, string Name, string? Value)
    {
        public static SpfTerm Parse(string text)
        {
            var qualified = text[0] is '+' or '-' or '~' or '?';
            var qualifier = qualified ? text[0] : '+';
            var body = qualified ? text[1..] : text;
            var separator = body.IndexOfAny([':', '=', '/']);
            if (separator < 0)
            {
                return new(text, qualifier, body.ToLowerInvariant(), null);
            }

            // a/24 and mx/24 carry a prefix length without a domain.
            return body[separator] == '/'
                ? new(text, qualifier, body[..separator].ToLowerInvariant(), body[separator..])
                : new(text, qualifier, body[..separator].ToLowerInvariant(), body[(separator + 1)..]);
        }

        /// <summary>For <c>a</c> and <c>mx</c>: the domain named, or the current one.</summary>
        public string Domain(string current)
        {
            if (Value is null || Value.StartsWith('/'))
            {
                return current;
            }

            var slash = Value.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? Value : Value[..slash];
        }

        /// <summary>For <c>a</c> and <c>mx</c>: the prefix length for the address's family (<c>a:d/24//64</c>), or a whole address.</summary>
        public int PrefixLength(IPAddress address)
        {
            // dual-cidr-length = [ "/" ip4-cidr-length ] [ "//" ip6-cidr-length ] (RFC 7208, 5.6)
            var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            var slash = Value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            if (slash < 0)
            {
                return v6 ? 128 : 32;
            }

            var cidr = Value![slash..];
            var v6At = cidr.IndexOf("//", StringComparison.Ordinal);
            var text = v6
                ? (v6At < 0 ? null : cidr[(v6At + 2)..])
                : (v6At == 0 ? null : cidr[1..(v6At < 0 ? cidr.Length : v6At)]);
            return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits) ? bits : v6 ? 128 : 32;
        }
    }
}
