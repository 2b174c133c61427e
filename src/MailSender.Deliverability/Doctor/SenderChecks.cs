using System.Net;
using System.Net.Sockets;
using MailSender.Internal;
using MailSender.Smtp;

namespace MailSender.Deliverability.Doctor;

/// <summary>
/// The checks that depend on how mail leaves (<see cref="DoctorRequest.Transport"/>): whether SPF authorizes the relay
/// (by the provider preset's documented include, or the relay host's addresses) or, for direct delivery, the sending
/// IP; and for direct delivery the sending IP's reverse DNS against the EHLO name.
/// </summary>
internal static class SenderChecks
{
    public static async Task<IEnumerable<DeliverabilityFinding>> RunAsync(DnsLookup dns, TransportTarget? target, DoctorRequest request, string spfDomain, CancellationToken cancellationToken)
    {
        if (target is null)
        {
            return [];
        }

        var spf = new SpfEvaluator(dns);
        return target.Kind switch
        {
            TransportKind.Relay => await RelayAsync(dns, spf, target, spfDomain, cancellationToken).ConfigureAwait(false),
            TransportKind.Direct => await DirectAsync(dns, spf, target, request, spfDomain, cancellationToken).ConfigureAwait(false),
            _ => [new("spf-sender", FindingSeverity.Warning, $"The transport {target.Shown} does not send to the Internet itself (a pickup folder, memory, or several transports), so which servers mail leaves from was not checked.", "Run doctor with the transport that delivers: smtp://HOST, relay://PROVIDER or direct:.")],
        };
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> RelayAsync(DnsLookup dns, SpfEvaluator spf, TransportTarget target, string spfDomain, CancellationToken cancellationToken)
    {
        var host = target.RelayHost!;
        if (target.Provider?.SpfInclude is { } include)
        {
            var reached = await spf.ReachableAsync(spfDomain, cancellationToken).ConfigureAwait(false);
            return reached.Contains(include)
                ? [new("spf-sender", FindingSeverity.Ok, $"The SPF record of {spfDomain} includes {include}, which {target.Provider.Name} documents for mail sent through it.")]
                : [new("spf-sender", FindingSeverity.Error, $"The SPF record of {spfDomain} does not include {include}, which {target.Provider.Name} documents for mail sent through it; mail relayed by {host} then fails SPF (unless the provider sends with its own return-path domain).", $"Add include:{include} to the SPF record of {spfDomain} (before its all term).")];
        }

        // No documented include: the servers mail leaves from are the provider's business; the submission host's own
        // addresses are the only evidence, and often not where mail leaves from.
        var addresses = await dns.AddressesAsync(host, cancellationToken).ConfigureAwait(false);
        foreach (var address in addresses)
        {
            var (verdict, reason) = await spf.CheckHostAsync(address, spfDomain, cancellationToken).ConfigureAwait(false);
            if (verdict == SpfVerdict.Pass)
            {
                return [new("spf-sender", FindingSeverity.Ok, $"The SPF record of {spfDomain} authorizes {address}, an address of the relay {host} ({reason}).")];
            }
        }

        return [new("spf-sender", FindingSeverity.Warning, $"Whether the SPF record of {spfDomain} authorizes the relay {host} is not known: {(target.Provider is { } p ? p.Name + " documents no SPF include in MailSender's presets, and" : "it is not a provider preset, and")} none of the host's addresses ({(addresses.Count == 0 ? "it has none" : string.Join(", ", addresses))}) is authorized; relays often send from other servers than the one you submit to.", $"Add the include or ip4/ip6 ranges your relay documents for its outgoing servers to the SPF record of {spfDomain}.")];
    }

    private static async Task<IEnumerable<DeliverabilityFinding>> DirectAsync(DnsLookup dns, SpfEvaluator spf, TransportTarget target, DoctorRequest request, string spfDomain, CancellationToken cancellationToken)
    {
        var (address, how) = request.SendingAddress is { } given ? (given, "given") : LocalAddress();
        if (address is null)
        {
            return [new("spf-sender", FindingSeverity.Warning, $"The address this machine sends from could not be found ({how}), so neither SPF nor reverse DNS was checked for it.", "Pass the public address mail leaves from: --sending-ip IP (DoctorRequest.SendingAddress).")];
        }

        if (request.SendingAddress is null && IsPrivate(address))
        {
            return [new("spf-sender", FindingSeverity.Warning, $"This machine's address {address} is private or local: mail to the Internet leaves through a NAT with a public address the doctor cannot see, so neither SPF nor reverse DNS was checked.", "Pass the public address mail leaves from: --sending-ip IP (DoctorRequest.SendingAddress); `curl https://ifconfig.me` shows it.")];
        }

        var findings = new List<DeliverabilityFinding>();
        var (verdict, reason) = await spf.CheckHostAsync(address, spfDomain, cancellationToken).ConfigureAwait(false);
        findings.Add(verdict switch
        {
            SpfVerdict.Pass => new("spf-sender", FindingSeverity.Ok, $"The SPF record of {spfDomain} authorizes the sending address {address} ({reason})."),
            SpfVerdict.Undecided => new("spf-sender", FindingSeverity.Warning, $"Whether the SPF record of {spfDomain} authorizes the sending address {address} was not decided: {reason}.", $"Check with an SPF tool, or add ip{(address.AddressFamily == AddressFamily.InterNetwork ? "4" : "6")}:{address} early in the record."),
            SpfVerdict.None => new("spf-sender", FindingSeverity.Error, $"{spfDomain} has no usable SPF record, so nothing authorizes the sending address {address}.", $"Publish \"v=spf1 ip{(address.AddressFamily == AddressFamily.InterNetwork ? "4" : "6")}:{address} -all\" at {spfDomain}."),
            _ => new("spf-sender", FindingSeverity.Error, $"The SPF record of {spfDomain} does not authorize the sending address {address}: the result is {verdict.ToString().ToLowerInvariant()} ({reason}), so receivers treat direct mail from this machine as unauthenticated or forged.", $"Add ip{(address.AddressFamily == AddressFamily.InterNetwork ? "4" : "6")}:{address} to the SPF record of {spfDomain} (before its all term)."),
        });
        findings.Add(await ReverseDnsAsync(dns, address, target.EhloName ?? request.EhloName, cancellationToken).ConfigureAwait(false));
        return findings;
    }

    /// <summary>Forward-confirmed reverse DNS (the PTR name resolves back to the address), and that name against the EHLO name.</summary>
    private static async Task<DeliverabilityFinding> ReverseDnsAsync(DnsLookup dns, IPAddress address, string? configuredEhlo, CancellationToken cancellationToken)
    {
        var names = await dns.PtrAsync(address, cancellationToken).ConfigureAwait(false);
        if (names.Count == 0)
        {
            return new("ptr", FindingSeverity.Error, $"The sending address {address} has no PTR record; Gmail, Yahoo and Outlook.com refuse or junk mail from addresses without valid reverse DNS.", $"Ask whoever owns {address} (your hosting provider) to set its PTR record to your mail host's name, e.g. mail.example.com, whose A record is {address}.");
        }

        string? confirmed = null;
        foreach (var name in names)
        {
            if ((await dns.AddressesAsync(name, cancellationToken).ConfigureAwait(false)).Any(a => a.Equals(address)))
            {
                confirmed = name;
                break;
            }
        }

        if (confirmed is null)
        {
            return new("ptr", FindingSeverity.Error, $"The PTR record of {address} names {string.Join(", ", names)}, which does not resolve back to {address} (no forward-confirmed reverse DNS); receivers treat that as no reverse DNS.", $"Point an A{(address.AddressFamily == AddressFamily.InterNetwork ? string.Empty : "AAAA")} record of {names[0]} at {address}, or change the PTR record to a name that has it.");
        }

        // The name the transport itself sends (HostNames: the machine's name made safe for EHLO when none is configured).
        var ehlo = HostNames.EhloArgument(configuredEhlo);
        var source = configuredEhlo is null ? "this machine's name, used when ehlo= and Smtp:EhloName are not set" : "the configured EHLO name";
        return string.Equals(ehlo.TrimEnd('.'), confirmed, StringComparison.OrdinalIgnoreCase)
            ? new("ptr", FindingSeverity.Ok, $"{address} has forward-confirmed reverse DNS ({confirmed}), and it is the EHLO name.")
            : new("ptr", FindingSeverity.Warning, $"{address} has forward-confirmed reverse DNS ({confirmed}), but the EHLO name is {ehlo} ({source}); some receivers score a mismatch as spam.", $"Set the EHLO name to {confirmed}: direct:?ehlo={confirmed} or MailSender:Smtp:EhloName.");
    }

    /// <summary>The local address the system routes Internet traffic from (a UDP "connect" sends nothing).</summary>
    private static (IPAddress? Address, string How) LocalAddress()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 25));
            return ((socket.LocalEndPoint as IPEndPoint)?.Address, "the local address routed to the Internet");
        }
        catch (SocketException e)
        {
            return (null, "no route to the Internet: " + e.Message);
        }
    }

    private static bool IsPrivate(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        var b = address.GetAddressBytes();
        return address.AddressFamily == AddressFamily.InterNetwork
            ? b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127) || (b[0] == 169 && b[1] == 254)
            : address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || (b[0] & 0xFE) == 0xFC;
    }
}

/// <summary>How mail leaves, as far as the doctor cares.</summary>
internal enum TransportKind
{
    /// <summary>Through an SMTP relay (<c>smtp://</c>, <c>smtps://</c>, <c>relay://</c>).</summary>
    Relay,

    /// <summary>Directly to the recipients' MX hosts (<c>direct:</c>).</summary>
    Direct,

    /// <summary>Nowhere on the Internet (pickup, memory) or several transports.</summary>
    Other,
}

/// <summary>The doctor's reading of <see cref="DoctorRequest.Transport"/>, through the library's own <see cref="TransportUri"/>.</summary>
internal sealed record TransportTarget(TransportKind Kind, string Shown, string? RelayHost = null, SmtpProvider? Provider = null, string? EhloName = null)
{
    public static TransportTarget From(DoctorRequest request)
    {
        if (request.Transport is null)
        {
            // Only a sending address: as for direct delivery.
            return new(TransportKind.Direct, "direct:", EhloName: request.EhloName);
        }

        TransportUri uri;
        try
        {
            uri = TransportUri.Parse(request.Transport);
        }
        catch (EmailSendException e)
        {
            throw new ArgumentException($"--transport: {e.Message}", nameof(request), e);
        }

        var shown = uri.ToString();
        switch (uri.Scheme)
        {
            case "smtp" or "smtps":
                return new(TransportKind.Relay, shown, uri.Host);
            case "relay":
                // The same resolution (preset, region=, host=) and the same errors as the relay transport.
                try
                {
                    var (preset, host) = RelayTransportFactory.ResolveHost(uri);
                    return new(TransportKind.Relay, shown, host, SmtpProvider.Find(preset.Id));
                }
                catch (EmailSendException e)
                {
                    var message = MailSender.Smtp.Providers.ProviderCatalog.FindById(uri.Host ?? string.Empty) is null
                        ? $"--transport: relay://{uri.Host} names no provider preset. {e.Message} {e.Hint}"
                        : $"--transport: {e.Message} {e.Hint}";
                    throw new ArgumentException(message.TrimEnd(), nameof(request), e);
                }

            case "direct":
                return new(TransportKind.Direct, shown, EhloName: uri.Parameters.GetValueOrDefault("ehlo") ?? request.EhloName);
            default:
                return new(TransportKind.Other, shown);
        }
    }
}
