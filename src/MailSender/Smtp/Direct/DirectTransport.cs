using System.Net;
using System.Security.Authentication;
using MailSender.Diagnostics;
using MailSender.Internal;
using MailSender.Smtp.Direct.MtaSts;
using MailSender.Smtp.Protocol;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailSender.Smtp.Direct;

/// <summary>
/// Delivers straight to each recipient domain's mail exchangers: recipients grouped by domain, MX records from DNS (implicit MX
/// from A/AAAA, null MX refused), hosts tried in preference order, opportunistic STARTTLS, no AUTH.
/// </summary>
/// <remarks>
/// Domains are delivered in parallel, at most <see cref="DirectTransportSettings.MaxConnectionsPerDomain"/> connections to one domain
/// at a time. The per-domain results are merged into one <see cref="SendResult"/>; a domain that fails puts its recipients in
/// <see cref="SendResult.RejectedRecipients"/>, and only when every domain fails is an <see cref="EmailSendException"/> thrown.
/// </remarks>
internal sealed class DirectTransport : IEmailTransport, IAsyncDisposable, Internal.IReportsFinalWrite
{
    /// <inheritdoc/>
    public bool ReportsFinalWrite => true;

    private readonly DirectTransportSettings _settings;
    private readonly SmtpConnector _connector;
    private readonly IMxResolver _resolver;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly CertificateValidator _certificates;
    private readonly CertificateValidator _validatingCertificates;
    private readonly MtaStsPolicyCache? _mtaSts;
    private readonly SemaphoreSlim _connections;
    private readonly Dictionary<string, DomainGate> _domainGates = new(StringComparer.Ordinal);

    /// <param name="settings">The resolved settings.</param>
    /// <param name="connector">The SMTP connector every transport shares.</param>
    /// <param name="certificates">The trust of MX certificates (accepting invalid ones unless they must validate).</param>
    /// <param name="resolver">The DNS seam.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="random">Shuffles MX hosts of equal preference.</param>
    /// <param name="telemetry">Where log events go.</param>
    /// <param name="validatingCertificates">The same trust, never accepting an invalid certificate: for MX hosts under an enforced MTA-STS policy.</param>
    /// <param name="policyFetcher">Fetches MTA-STS policies; <see langword="null"/> fetches them over HTTPS (a test seam).</param>
    public DirectTransport(DirectTransportSettings settings, SmtpConnector connector, CertificateValidator certificates, IMxResolver resolver, TimeProvider timeProvider, Random random, MailSenderTelemetry telemetry, CertificateValidator validatingCertificates, IMtaStsPolicyFetcher? policyFetcher = null)
    {
        _settings = settings;
        _connector = connector;
        _certificates = certificates;
        _resolver = resolver;
        _timeProvider = timeProvider;
        _random = random;
        _logger = telemetry.Logger;
        _connections = new SemaphoreSlim(settings.MaxConnections, settings.MaxConnections);
        _validatingCertificates = validatingCertificates;
        if (settings.MtaSts != MtaStsUse.Off)
        {
            policyFetcher ??= new MtaStsPolicyFetcher(resolver.LookupAddressesAsync, settings.MtaStsPolicyTrust ?? CertificateValidator.SystemOnly, settings.MtaStsPolicyPort, settings.MtaStsFetchTimeout);
            _mtaSts = new MtaStsPolicyCache(LookupPolicyRecordAsync, policyFetcher, timeProvider, _logger);
        }

        Name = settings.DisplayName;
    }

    /// <summary>How one MX host is to be used.</summary>
    private enum HostRule
    {
        /// <summary>As the settings say: opportunistic STARTTLS, or required with <c>requireTls=true</c>.</summary>
        Settings,

        /// <summary>An enforced MTA-STS policy: STARTTLS, TLS 1.2 or later, a valid certificate for the MX name.</summary>
        Enforce,

        /// <summary>A testing MTA-STS policy: as the settings say, logging what an enforced policy would refuse.</summary>
        Testing,
    }

    public string Name { get; }

    /// <summary>Gets how many domains have a gate now: only those being delivered to, so the table does not grow with every domain ever seen.</summary>
    internal int OpenDomainGates
    {
        get
        {
            lock (_domainGates)
            {
                return _domainGates.Count;
            }
        }
    }

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();

        var groups = DirectRouting.GroupByDomain(envelope.Recipients);

        // Writing one MimeMessage from several connections at once would interleave reads of its content streams:
        // each domain gets its own copy, parsed from the exact bytes (so a DKIM signature still matches). Persistent
        // parsing leaves the content in the shared buffer (each copy reads it through its own bounded view) instead of
        // copying the bodies once per domain.
        var wire = groups.Count > 1 ? Serialize(message) : null;
        var deliveries = groups.Select(group => DeliverAsync(wire is null ? message : MimeMessage.Load(new MemoryStream(wire, writable: false), persistent: true), envelope, group, cancellationToken));
        var outcomes = await Task.WhenAll(deliveries).ConfigureAwait(false);
        return Merge(message, outcomes);
    }

    public ValueTask DisposeAsync()
    {
        _connections.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether trying the next MX host may help: it could not be reached, failed TLS, or answered 4xx. Never after the message may have been accepted.</summary>
    internal static bool ShouldTryNextHost(EmailSendException error)
    {
        if (error.MayHaveBeenAccepted || error.Kind == EmailErrorKind.DeliveryUncertain)
        {
            return false;
        }

        if (error.Kind == EmailErrorKind.RecipientsRejected)
        {
            return error.IsTransient;
        }

        return error.StatusCode is { } code
            ? code is >= 400 and < 500
            : error.Kind is EmailErrorKind.ConnectionFailed or EmailErrorKind.Timeout or EmailErrorKind.TlsFailed or EmailErrorKind.ProtocolError or EmailErrorKind.ServerBusy;
    }

    private static byte[] Serialize(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(WireFormat.Options, buffer);
        return buffer.ToArray();
    }

    private async Task<DomainOutcome> DeliverAsync(MimeMessage message, MailEnvelope envelope, DomainGroup group, CancellationToken cancellationToken)
    {
        if (group.Problem is not null)
        {
            return Failed(message, group, Permanent(group, $"Cannot deliver to '{group.Domain}': {group.Problem}.", "Check the recipient's address."), 553, "5.1.2");
        }

        var gate = EnterGate(group.Domain);
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await DeliverToDomainAsync(message, envelope, group, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Semaphore.Release();
            }
        }
        finally
        {
            LeaveGate(group.Domain, gate);
        }
    }

    /// <summary>Gets the domain's gate, counting this caller as a user (waiting or delivering).</summary>
    private DomainGate EnterGate(string domain)
    {
        lock (_domainGates)
        {
            if (!_domainGates.TryGetValue(domain, out var gate))
            {
                gate = new DomainGate(_settings.MaxConnectionsPerDomain);
                _domainGates.Add(domain, gate);
            }

            gate.Users++;
            return gate;
        }
    }

    /// <summary>Stops counting this caller; the last user removes the gate.</summary>
    private void LeaveGate(string domain, DomainGate gate)
    {
        lock (_domainGates)
        {
            if (--gate.Users == 0)
            {
                _domainGates.Remove(domain);
                gate.Semaphore.Dispose();
            }
        }
    }

    private async Task<DomainOutcome> DeliverToDomainAsync(MimeMessage message, MailEnvelope envelope, DomainGroup group, CancellationToken cancellationToken)
    {
        var domain = group.Domain;
        IReadOnlyList<MxRecord> hosts;
        var implicitMx = false;
        if (domain.StartsWith('['))
        {
            var literal = domain.Trim('[', ']');
            literal = literal.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase) ? literal[5..] : literal;
            if (!IPAddress.TryParse(literal, out _))
            {
                return Failed(message, group, Permanent(group, $"Cannot deliver to '{domain}': not a valid address literal.", "Check the recipient's address."), 553, "5.1.2");
            }

            hosts = [new MxRecord(literal, 0)];
        }
        else
        {
            var lookup = await _resolver.LookupMxAsync(domain, cancellationToken).ConfigureAwait(false);
            switch (lookup.Status)
            {
                case MxLookupStatus.DomainNotFound:
                    return Failed(message, group, Permanent(group, $"The domain '{domain}' does not exist (DNS answered NXDOMAIN).", "Check the spelling of the recipient's domain."), 550, "5.1.2");
                case MxLookupStatus.Failed:
                    return Failed(message, group, new EmailSendException(EmailErrorKind.ConnectionFailed, $"The MX lookup of '{domain}' failed: {lookup.Problem}")
                    {
                        IsTransient = true,
                        Transport = Name,
                        Hint = "The name servers did not answer or failed; check the dns= option (or the system's resolver). A later attempt may succeed.",
                    }, 451, "4.4.3");
                case MxLookupStatus.NoRecords:
                    // RFC 5321, 5.1: no MX means the domain itself, with preference 0.
                    implicitMx = true;
                    hosts = [new MxRecord(domain, 0)];
                    break;
                default:
                    if (DirectRouting.IsNullMx(lookup.Records))
                    {
                        return Failed(message, group, Permanent(group, $"The domain '{domain}' accepts no mail: it publishes a null MX (RFC 7505).", "Nobody can receive mail at this domain; remove the address."), 556, "5.1.10");
                    }

                    hosts = DirectRouting.Order(lookup.Records, _random);
                    break;
            }
        }

        // MTA-STS protects names, so an address literal has no policy.
        var policy = _mtaSts is null || domain.StartsWith('[') ? null : await _mtaSts.GetAsync(domain, cancellationToken).ConfigureAwait(false);
        var enforce = policy is { Mode: MtaStsMode.Enforce } && _settings.MtaSts == MtaStsUse.Enforce;
        var rule = policy is null ? HostRule.Settings : enforce ? HostRule.Enforce : HostRule.Testing;

        Log.Route(_logger, domain, string.Join(", ", hosts.Select(DirectRouting.Describe)));
        EmailSendException? last = null;
        var tried = new List<string>();
        foreach (var mx in hosts)
        {
            if (policy is not null && !policy.Matches(mx.Host))
            {
                var reason = "it does not match the mx patterns of the domain's MTA-STS policy (" + string.Join(", ", policy.MxPatterns) + ")";
                if (enforce)
                {
                    Log.MtaStsHostRefused(_logger, domain, mx.Host, reason);
                    tried.Add($"{mx.Host} ({reason})");
                    continue;
                }

                Log.MtaStsTestingFailure(_logger, domain, mx.Host, reason);
            }

            IReadOnlyList<IPAddress> addresses;
            try
            {
                addresses = IPAddress.TryParse(mx.Host, out var address) ? [address] : await _resolver.LookupAddressesAsync(mx.Host, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsLookupException ex)
            {
                last = new EmailSendException(EmailErrorKind.ConnectionFailed, $"The address lookup of MX host '{mx.Host}' for '{domain}' failed: {ex.Message}", ex) { IsTransient = true, Transport = Name };
                tried.Add($"{mx.Host} ({ex.Message})");
                continue;
            }

            if (addresses.Count == 0)
            {
                if (implicitMx)
                {
                    return Failed(message, group, Permanent(group, $"The domain '{domain}' has no MX record and no A or AAAA record: it cannot receive mail.", "Check the spelling of the recipient's domain."), 550, "5.1.2");
                }

                last = new EmailSendException(EmailErrorKind.ConnectionFailed, $"The MX host '{mx.Host}' of '{domain}' has no A or AAAA record.") { IsTransient = true, Transport = Name };
                tried.Add($"{mx.Host} (no A or AAAA record)");
                continue;
            }

            foreach (var address in addresses)
            {
                try
                {
                    var result = await SendThroughAsync(message, envelope, group, mx.Host, address, rule, cancellationToken).ConfigureAwait(false);
                    return new DomainOutcome(group, result, null, 0, null);
                }
                catch (EmailSendException ex) when (ShouldTryNextHost(ex))
                {
                    Log.NextHost(_logger, domain, mx.Host, address.ToString(), Diagnostics.Redaction.Addresses(ex.Message));
                    if (rule == HostRule.Enforce)
                    {
                        Log.MtaStsHostRefused(_logger, domain, mx.Host, Diagnostics.Redaction.Addresses(ex.Message));
                    }

                    last = ex;
                    tried.Add($"{mx.Host} at {address} ({ex.Message})");
                }
                catch (EmailSendException ex)
                {
                    return Failed(message, group, ex, 0, null);
                }
            }
        }

        if (enforce)
        {
            // RFC 8461, 5.1: a policy failure is temporary (the domain may fix its hosts, or publish a new policy).
            return Failed(message, group, new EmailSendException(last?.Kind == EmailErrorKind.ConnectionFailed ? EmailErrorKind.ConnectionFailed : EmailErrorKind.TlsFailed,
                $"'{domain}' publishes an MTA-STS policy (mode enforce) that allows delivery only to MX hosts matching {string.Join(", ", policy!.MxPatterns)} over STARTTLS with a valid certificate, and none of its MX hosts qualified: {string.Join("; ", tried)}.", last)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "Nothing was sent. The receiving domain's MX hosts or its MTA-STS policy must be fixed (or the policy's id changed); a later attempt may succeed. mtaSts=testing logs instead of refusing.",
            }, 0, null);
        }

        last ??= new EmailSendException(EmailErrorKind.ConnectionFailed, $"'{domain}' has no usable MX host.") { IsTransient = true, Transport = Name };
        if (tried.Count > 1)
        {
            // Name every host and why it was not used, not only the last one.
            last = new EmailSendException(last.Kind, $"No MX host of '{domain}' took the message: {string.Join("; ", tried)}.", last)
            {
                IsTransient = last.IsTransient,
                StatusCode = last.StatusCode,
                EnhancedStatusCode = last.EnhancedStatusCode,
                ServerText = last.ServerText,
                Recipients = last.Recipients,
                Transport = Name,
                Hint = last.Hint,
            };
        }

        return Failed(message, group, last, 0, null);
    }

    private async Task<MtaStsTxt> LookupPolicyRecordAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return new MtaStsTxt(await _resolver.LookupTextAsync(name, cancellationToken).ConfigureAwait(false), null);
        }
        catch (DnsLookupException ex)
        {
            return MtaStsTxt.Failed(ex.Message);
        }
    }

    private async Task<SendResult> SendThroughAsync(MimeMessage message, MailEnvelope envelope, DomainGroup group, string host, IPAddress address, HostRule rule, CancellationToken cancellationToken)
    {
        await _connections.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A message that requires TLS all the way (REQUIRETLS), and an MX host under an enforced MTA-STS policy, never fall
            // back to plain text, whatever the settings.
            var tlsRequired = _settings.RequireTls || envelope.RequireTls || rule == HostRule.Enforce;
            var security = tlsRequired ? SmtpSecurity.StartTls : SmtpSecurity.Auto;
            try
            {
                return await SendOnceAsync(message, envelope, group, host, address, security, rule, cancellationToken).ConfigureAwait(false);
            }
            catch (EmailSendException ex) when (ex.Kind == EmailErrorKind.TlsFailed && !tlsRequired && !_settings.ValidateCertificates)
            {
                // Opportunistic TLS (RFC 7435): a failed handshake must not stop delivery that plain text would achieve.
                Log.PlainTextFallback(_logger, host, address.ToString(), group.Domain, ex.Message);
                return await SendOnceAsync(message, envelope, group, host, address, SmtpSecurity.None, rule, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _connections.Release();
        }
    }

    private async Task<SendResult> SendOnceAsync(MimeMessage message, MailEnvelope envelope, DomainGroup group, string host, IPAddress address, SmtpSecurity security, HostRule rule, CancellationToken cancellationToken)
    {
        var endpoint = new SmtpEndpoint
        {
            Host = host,
            Port = _settings.Port,
            Security = security,
            ConnectAddress = address,
            ConnectTimeout = _settings.ConnectTimeout,
            CommandTimeout = _settings.CommandTimeout,
            EhloName = _settings.EhloName,
            Pipelining = _settings.Pipelining,
        };

        // No TLS history: encryption to MX hosts is opportunistic, so a host without STARTTLS is no downgrade.
        var trust = rule == HostRule.Enforce ? _validatingCertificates : _certificates;
        var session = await _connector.ConnectAsync(endpoint, trust, history: null, authenticate: false, info: null, cancellationToken).ConfigureAwait(false);
        try
        {
            if (rule != HostRule.Settings && PolicyProblem(session.Info) is { } problem)
            {
                if (rule == HostRule.Enforce)
                {
                    throw new EmailSendException(EmailErrorKind.TlsFailed, $"{host} does not meet the domain's MTA-STS policy: {problem}.") { IsTransient = true, Transport = Name };
                }

                Log.MtaStsTestingFailure(_logger, group.Domain, host, problem);
            }

            SendResult result;
            try
            {
                // The same session as the SMTP transport: SMTPUTF8 and SIZE are checked before anything is written.
                result = await session.SendAsync(message, envelope.WithRecipients(group.Recipients), Name, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpSessionLostException lost)
            {
                throw lost.Error;
            }

            Log.Delivered(_logger, message.MessageId ?? string.Empty, result.AcceptedRecipients.Count, group.Domain, host, session.IsSecure ? "STARTTLS" : "no encryption");
            return result;
        }
        finally
        {
            // QUIT politely, but never wait long for a receiver that is done with us.
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5), _timeProvider);
            await session.CloseAsync(quit.Token).ConfigureAwait(false);
        }
    }

    /// <summary>What an enforced MTA-STS policy would refuse in a connection (RFC 8461, 4.2 and 7.2), or <see langword="null"/>.</summary>
    private static string? PolicyProblem(SmtpConnectionInfo info)
    {
        if (!info.IsSecure)
        {
            // No EHLO before MAIL: the plain-text retry after a failed handshake (security=none skips the STARTTLS step).
            return !info.EhloAnswered || info.StartTlsOffered ? "the TLS handshake failed, so the message went in plain text" : "the host does not offer STARTTLS";
        }

        if (info.Certificate.Problem is { } certificate)
        {
            return "its certificate is not valid: " + certificate;
        }

        return info.TlsProtocol is SslProtocols.Tls12 or SslProtocols.Tls13 ? null : "TLS older than 1.2 (" + info.TlsProtocol + ")";
    }

    private EmailSendException Permanent(DomainGroup group, string message, string hint) =>
        new(EmailErrorKind.RecipientsRejected, message)
        {
            IsTransient = false,
            Transport = Name,
            Hint = hint,
        };

    private DomainOutcome Failed(MimeMessage message, DomainGroup group, EmailSendException error, int code, string? enhanced)
    {
        Log.DomainFailed(_logger, message.MessageId ?? string.Empty, group.Domain, group.Recipients.Count, error.Kind, Diagnostics.Redaction.Addresses(error.Message));
        return new DomainOutcome(group, null, error, code, enhanced);
    }

    private SendResult Merge(MimeMessage message, DomainOutcome[] outcomes)
    {
        var accepted = new List<string>();
        var rejected = new List<RejectedRecipient>();
        var responses = new List<string>();
        var failures = new List<DomainOutcome>();
        foreach (var outcome in outcomes)
        {
            if (outcome.Result is { } result)
            {
                accepted.AddRange(result.AcceptedRecipients);
                rejected.AddRange(result.RejectedRecipients);
                responses.Add(outcomes.Length == 1 ? result.ServerResponse ?? string.Empty : $"{outcome.Group.Domain}: {result.ServerResponse}");
            }
            else
            {
                failures.Add(outcome);
                rejected.AddRange(outcome.RejectedRecipients());
            }
        }

        if (accepted.Count == 0)
        {
            throw CombinedError(failures, rejected);
        }

        return new SendResult
        {
            MessageId = message.MessageId ?? string.Empty,
            AcceptedRecipients = accepted,
            RejectedRecipients = rejected,
            ServerResponse = string.Join("; ", responses),
            Transport = Name,
        };
    }

    private EmailSendException CombinedError(List<DomainOutcome> failures, List<RejectedRecipient> rejected)
    {
        var first = failures[0].Error!;
        var uncertain = failures.Exists(f => f.Error!.MayHaveBeenAccepted);
        var kind = uncertain ? EmailErrorKind.DeliveryUncertain
            : failures.TrueForAll(f => f.Error!.Kind == first.Kind) ? first.Kind
            : EmailErrorKind.RecipientsRejected;
        var text = failures.Count == 1
            ? $"Direct delivery to {failures[0].Group.Domain} failed: {first.Message}"
            : "Direct delivery failed for every domain: " + string.Join("; ", failures.Select(f => $"{f.Group.Domain}: {f.Error!.Message}"));
        return new EmailSendException(kind, text, failures.Count == 1 ? first : new AggregateException(failures.Select(f => f.Error!)))
        {
            IsTransient = !uncertain && failures.TrueForAll(f => f.Error!.IsTransient),
            MayHaveBeenAccepted = uncertain,
            StatusCode = first.StatusCode,
            EnhancedStatusCode = first.EnhancedStatusCode,
            ServerText = first.ServerText,
            Recipients = rejected,
            Transport = Name,
            Hint = failures.Select(f => f.Error!.Hint).FirstOrDefault(h => h is not null),
        };
    }

    /// <summary>The per-domain connection cap, shared by every send to that domain while any is in progress.</summary>
    private sealed class DomainGate(int limit)
    {
        public SemaphoreSlim Semaphore { get; } = new(limit, limit);

        public int Users { get; set; }
    }

    /// <summary>What happened to one domain: a result, or the error that stopped it with the code to report for its recipients.</summary>
    private sealed record DomainOutcome(DomainGroup Group, SendResult? Result, EmailSendException? Error, int Code, string? Enhanced)
    {
        /// <summary>The domain's recipients as refused: the server's own reply per recipient when it gave one, else the domain's error.</summary>
        public IEnumerable<RejectedRecipient> RejectedRecipients()
        {
            var error = Error!;
            var (code, enhanced) = Code != 0 ? (Code, Enhanced)
                : error.StatusCode is { } status ? (status, error.EnhancedStatusCode)
                : error.MayHaveBeenAccepted ? (554, null)
                : error.IsTransient ? (451, "4.4.1")
                : (554, error.Kind == EmailErrorKind.TlsFailed ? "5.7.10" : "5.4.4");
            var text = error.MayHaveBeenAccepted
                ? "delivery uncertain, not retried to avoid a duplicate: " + error.Message
                : error.ServerText ?? error.Message;
            foreach (var recipient in Group.Recipients)
            {
                yield return error.Recipients.FirstOrDefault(r => string.Equals(r.Address, recipient.Address, StringComparison.OrdinalIgnoreCase))
                    ?? new RejectedRecipient(recipient.Address, code, enhanced, text);
            }
        }
    }
}
