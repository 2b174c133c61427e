using MailSender.Deliverability.Domains;

namespace MailSender.Deliverability.Doctor;

/// <summary>The DNS checks of <see cref="DeliverabilityDoctor"/>, one method per record type.</summary>
internal static class DomainChecks
{
    public static async Task<IReadOnlyList<DeliverabilityFinding>> RunAsync(DoctorRequest request, CancellationToken cancellationToken)
    {
        var domain = Domain(request.From);

        // SPF is checked for the envelope sender's domain, DKIM for the signing domain; DMARC aligns both with From.
        var spfDomain = request.ReturnPath is { } returnPath ? Domain(returnPath) : domain;
        var dkimDomain = request.DkimDomain is { } signing ? Domain(signing) : domain;

        // Bad input before the first DNS question.
        var target = request.Transport is null && request.SendingAddress is null ? null : TransportTarget.From(request);
        var dns = new DnsLookup(request.DnsServer, request.DnsTimeout);
        var findings = new List<DeliverabilityFinding>();
        findings.AddRange(await SpfAsync(dns, spfDomain, cancellationToken).ConfigureAwait(false));
        findings.AddRange(await SenderChecks.RunAsync(dns, target, request, spfDomain, cancellationToken).ConfigureAwait(false));
        if (request.DkimSelector is { } selector)
        {
            findings.AddRange(await DkimAsync(dns, dkimDomain, selector, request.DkimPrivateKeyPem, cancellationToken).ConfigureAwait(false));
        }

        findings.AddRange(await DmarcAsync(dns, domain, spfDomain, request.DkimSelector is null ? null : dkimDomain, cancellationToken).ConfigureAwait(false));
        findings.AddRange(await MxAsync(dns, domain, cancellationToken).ConfigureAwait(false));
        findings.AddRange(await PolicyAsync(dns, "mta-sts", $"_mta-sts.{domain}", "v=STSv1", "MTA-STS tells senders to require TLS for your domain's incoming mail (RFC 8461).", "Publish _mta-sts TXT \"v=STSv1; id=...\" and a policy at https://mta-sts." + domain + "/.well-known/mta-sts.txt.", cancellationToken).ConfigureAwait(false));
        findings.AddRange(await PolicyAsync(dns, "tls-rpt", $"_smtp._tls.{domain}", "v=TLSRPTv1", "TLS-RPT asks receivers to report TLS failures of mail to your domain (RFC 8460).", "Publish _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tls-reports@" + domain + "\".", cancellationToken).ConfigureAwait(false));
        return findings;
    }

    private static string Domain(string from)
    {
        var text = from.Trim();
        var at = text.LastIndexOf('@');
        var domain = (at >= 0 ? text[(at + 1)..] : text).Trim().TrimEnd('>').TrimEnd('.').ToLowerInvariant();
        if (domain.Length == 0 || !domain.Contains('.', StringComparison.Ordinal) || domain.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or '@'))
        {
            throw new ArgumentException($"'{from}' is not an address or a domain (e.g. news@example.com or example.com).");
        }

        return domain;
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> SpfAsync(DnsLookup dns, string domain, CancellationToken cancellationToken)
    {
        var records = (await dns.TxtAsync(domain, cancellationToken).ConfigureAwait(false)).Where(SpfEvaluator.IsSpf).ToList();
        if (records.Count == 0)
        {
            return [new("spf", FindingSeverity.Error, $"{domain} publishes no SPF record, so receivers cannot tell which servers may send its mail; Gmail and Yahoo require SPF of bulk senders.", $"Publish one TXT record at {domain}: \"v=spf1 include:<your relay's SPF domain> -all\" (your relay's documentation names it).")];
        }

        if (records.Count > 1)
        {
            return [new("spf", FindingSeverity.Error, $"{domain} publishes {records.Count} SPF records; receivers then fail SPF for every message (permerror, RFC 7208 3.2).", "Merge them into one record: one v=spf1 with every include and ip4 term, one -all or ~all at the end.")];
        }

        var (lookups, problem) = await new SpfEvaluator(dns).CountLookupsAsync(records[0], domain, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return [new("spf", FindingSeverity.Error, $"The SPF record of {domain} cannot be evaluated: {problem}.", "Fix or remove the term it names.")];
        }

        if (lookups > SpfEvaluator.LookupLimit)
        {
            return [new("spf", FindingSeverity.Error, $"The SPF record of {domain} needs {lookups} DNS lookups (include, a, mx, ptr, exists, redirect, counted through every include); over 10, receivers fail SPF (permerror, RFC 7208 4.6.4).", "Remove includes of services you no longer use, or replace a and mx terms with ip4/ip6 ranges.")];
        }

        return [new("spf", FindingSeverity.Ok, $"{domain} publishes one SPF record, within the limit of 10 DNS lookups ({lookups}).")];
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> DkimAsync(DnsLookup dns, string domain, string selector, string? privateKeyPem, CancellationToken cancellationToken)
    {
        var name = $"{selector}._domainkey.{domain}";
        var record = (await dns.TxtAsync(name, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Contains("p=", StringComparison.Ordinal));
        if (record is null)
        {
            return [new("dkim", FindingSeverity.Error, $"No DKIM key is published at {name}, so receivers cannot verify the signature of mail signed with selector {selector}.", $"Publish the public key as TXT at {name}: \"v=DKIM1; k=rsa; p=<base64 key>\".")];
        }

        var tags = TagList.Parse(record);
        var published = tags.GetValueOrDefault("p") ?? string.Empty;
        if (published.Length == 0)
        {
            return [new("dkim", FindingSeverity.Error, $"The DKIM key at {name} is revoked (an empty p=), so signatures with selector {selector} fail.", "Publish the current public key, or sign with another selector.")];
        }

        byte[] publishedKey;
        try
        {
            publishedKey = Convert.FromBase64String(published);
        }
        catch (FormatException)
        {
            return [new("dkim", FindingSeverity.Error, $"The DKIM key at {name} is not valid base64.", "Publish the key again, as one string without spaces or quotes inside.")];
        }

        var findings = new List<DeliverabilityFinding>();
        var type = tags.GetValueOrDefault("k", "rsa").ToLowerInvariant();
        switch (type)
        {
            case "rsa":
                var bits = DkimKeys.RsaBits(publishedKey);
                if (bits is not { } size)
                {
                    return [new("dkim", FindingSeverity.Error, $"The DKIM record at {name} does not hold an RSA public key.", "Publish the public key (SubjectPublicKeyInfo, base64) of the signing key.")];
                }

                findings.Add(size < 1024
                    ? new("dkim-key-size", FindingSeverity.Error, $"The DKIM key at {name} has {size} bits; receivers ignore keys under 1024 bits (RFC 8301).", "Sign with a 2048-bit key and publish it under a new selector.")
                    : size < 2048
                        ? new("dkim-key-size", FindingSeverity.Warning, $"The DKIM key at {name} has {size} bits; 2048 are recommended (RFC 8301, Gmail).", "Sign with a 2048-bit key and publish it under a new selector.")
                        : new("dkim-key-size", FindingSeverity.Ok, $"The DKIM key at {name} has {size} bits."));
                break;
            case "ed25519":
                if (publishedKey.Length != 32)
                {
                    return [new("dkim", FindingSeverity.Error, $"The Ed25519 DKIM key at {name} has {publishedKey.Length} bytes; RFC 8463 publishes the raw 32-byte public key.", "Publish the 32-byte public key in base64 (not its SubjectPublicKeyInfo).")];
                }

                // Many receivers verify only RSA signatures yet: an Ed25519 signature alone may count as none (RFC 8463, 6).
                findings.Add(new("dkim-key-size", FindingSeverity.Warning, $"The DKIM key at {name} is Ed25519 (RFC 8463); receivers that do not verify Ed25519 yet see no valid signature from it.", "Sign with an RSA key (2048 bits) as well, under a second selector."));
                break;
            default:
                return [new("dkim", FindingSeverity.Error, $"The DKIM record at {name} names the key type k={type}, which receivers do not know (rsa or ed25519).", "Publish k=rsa or k=ed25519 with the matching key.")];
        }

        if (privateKeyPem is not null)
        {
            var (keyType, expected) = DkimKeys.PublicKeyOf(privateKeyPem);
            findings.Add(keyType == type && expected.AsSpan().SequenceEqual(publishedKey)
                ? new("dkim", FindingSeverity.Ok, $"The DKIM key at {name} matches the private key.")
                : new("dkim", FindingSeverity.Error, keyType == type
                    ? $"The DKIM key at {name} does not match the private key: every signature made with it fails."
                    : $"The DKIM record at {name} holds a {type} key, but the private key is {keyType}: every signature made with it fails.", $"Publish the public key of the signing key at {name}{(keyType == "rsa" ? " (openssl rsa -in key.pem -pubout -outform DER | base64 -w0)" : string.Empty)}, or sign with the key the record holds."));
        }
        else
        {
            findings.Add(new("dkim", FindingSeverity.Ok, $"A DKIM key is published at {name} (give the private key to check that they match)."));
        }

        return findings;
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> DmarcAsync(DnsLookup dns, string domain, string spfDomain, string? dkimDomain, CancellationToken cancellationToken)
    {
        var name = $"_dmarc.{domain}";
        var records = (await dns.TxtAsync(name, cancellationToken).ConfigureAwait(false)).Where(r => r.TrimStart().StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase)).ToList();
        if (records.Count == 0)
        {
            return [new("dmarc", FindingSeverity.Error, $"{domain} publishes no DMARC record; Gmail, Yahoo and Outlook.com require one of bulk senders (p=none is enough to start).", $"Publish TXT at {name}: \"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}\", then move to quarantine or reject once the reports show only your own mail.")];
        }

        if (records.Count > 1)
        {
            return [new("dmarc", FindingSeverity.Error, $"{domain} publishes {records.Count} DMARC records; receivers then ignore DMARC for it.", "Keep one.")];
        }

        var tags = TagList.Parse(records[0]);
        var policy = tags.GetValueOrDefault("p");
        DeliverabilityFinding finding = policy switch
        {
            "reject" or "quarantine" => new("dmarc", FindingSeverity.Ok, $"{domain} publishes DMARC with p={policy}."),
            "none" => new("dmarc", FindingSeverity.Warning, $"{domain} publishes DMARC with p=none: enough for the bulk-sender rules, but mail forged in its name is still delivered.", "Read the aggregate reports (rua=), then move to p=quarantine and p=reject."),
            _ => new("dmarc", FindingSeverity.Error, $"The DMARC record of {domain} has no valid policy (p=none, quarantine or reject).", "Add p=none (or quarantine, reject) right after v=DMARC1."),
        };
        return [finding, Alignment(domain, spfDomain, dkimDomain, strictSpf: tags.GetValueOrDefault("aspf") == "s", strictDkim: tags.GetValueOrDefault("adkim") == "s")];
    }

    /// <summary>
    /// DMARC passes when SPF or DKIM passes for a domain aligned with From (RFC 7489, 3.1): the same domain in strict mode,
    /// the same organizational domain in relaxed mode (the default).
    /// </summary>
    private static DeliverabilityFinding Alignment(string from, string spfDomain, string? dkimDomain, bool strictSpf, bool strictDkim)
    {
        static bool Aligned(string a, string b, bool strict) => strict ? string.Equals(a, b, StringComparison.OrdinalIgnoreCase) : OrganizationalDomain.Aligned(a, b);
        static string Mode(bool strict) => strict ? "strict" : "relaxed";

        var spfAligned = Aligned(from, spfDomain, strictSpf);
        var dkimAligned = dkimDomain is not null && Aligned(from, dkimDomain, strictDkim);
        var spfText = $"the SPF domain {spfDomain} is {(spfAligned ? string.Empty : "not ")}aligned with {from} ({Mode(strictSpf)}, aspf)";
        var dkimText = dkimDomain is null ? "no DKIM selector was given, so DKIM alignment was not checked" : $"the DKIM domain {dkimDomain} is {(dkimAligned ? string.Empty : "not ")}aligned ({Mode(strictDkim)}, adkim)";
        if (spfAligned && (dkimAligned || dkimDomain is null))
        {
            return new("dmarc-alignment", FindingSeverity.Ok, $"DMARC alignment: {spfText}; {dkimText}.");
        }

        if (spfAligned || dkimAligned || dkimDomain is null)
        {
            return new("dmarc-alignment", FindingSeverity.Warning, $"DMARC alignment: {spfText}; {dkimText}. {(dkimDomain is null ? "DMARC then rests on DKIM alone: give --dkim-selector to check it" : "One aligned pass is enough for DMARC, but a forwarded message keeps only its DKIM signature, and bulk senders should align both")}.", spfAligned
                ? $"Sign with d={from} (or a subdomain of it, with relaxed adkim)."
                : $"Send with a return path (envelope sender) at {from} or a subdomain of it, with relaxed aspf.");
        }

        return new("dmarc-alignment", FindingSeverity.Error, $"DMARC alignment: {spfText}; {dkimText}. With neither aligned, DMARC fails for every message, whatever SPF and DKIM say.", $"Sign with d={from}, and send with a return path at {from} (or subdomains of it, with relaxed alignment).");
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> MxAsync(DnsLookup dns, string domain, CancellationToken cancellationToken)
    {
        var mx = await dns.MxAsync(domain, cancellationToken).ConfigureAwait(false);
        if (mx.Count == 0)
        {
            return [new("mx", FindingSeverity.Warning, $"{domain} has no MX record, so replies and bounces to the From address may not arrive, and some receivers distrust such senders.", $"Publish an MX record for {domain} pointing at a server that accepts its mail.")];
        }

        if (mx.Count == 1 && mx[0] is "" or ".")
        {
            return [new("mx", FindingSeverity.Error, $"{domain} publishes a null MX (it accepts no mail), so replies and bounces are refused, and receivers may refuse mail from it.", "Send from a domain that receives mail, or publish a real MX record.")];
        }

        return [new("mx", FindingSeverity.Ok, $"{domain} receives mail at {string.Join(", ", mx)}.")];
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> PolicyAsync(DnsLookup dns, string check, string name, string version, string meaning, string fix, CancellationToken cancellationToken)
    {
        var found = (await dns.TxtAsync(name, cancellationToken).ConfigureAwait(false)).Any(r => r.TrimStart().StartsWith(version, StringComparison.OrdinalIgnoreCase));
        return found
            ? [new(check, FindingSeverity.Ok, $"{name} is published.")]
            : [new(check, FindingSeverity.Warning, $"No record at {name}. {meaning}", fix)];
    }
}
