using System.Net;
using MailSender.Diagnostics;
using MailSender.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace MailSender.Smtp.Detection;

/// <summary>
/// The <see cref="ISmtpEndpointDetector"/>: gathers candidates (preset, SRV, ports), probes them in parallel within one
/// probe timeout, stops the rest as soon as no pending probe can beat the best result, and recommends by RFC 8314.
/// </summary>
internal sealed class SmtpEndpointDetector : ISmtpEndpointDetector
{
    private readonly IKnownEndpointSource _knownEndpoints;
    private readonly ISrvResolver _srv;
    private readonly TlsHistory _history;
    private readonly TrustStore _trust;
    private readonly SmtpConnector _connector;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public SmtpEndpointDetector(IKnownEndpointSource knownEndpoints, ISrvResolver srv, TlsHistory history, TrustStore trust, SmtpConnector connector, TimeProvider timeProvider, MailSenderTelemetry telemetry)
    {
        _trust = trust;
        _connector = connector;
        _knownEndpoints = knownEndpoints;
        _srv = srv;
        _history = history;
        _timeProvider = timeProvider;
        _logger = telemetry.Logger;
    }

    public async Task<SmtpDetectionReport> DetectAsync(SmtpDetectionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var started = _timeProvider.GetTimestamp();
        var options = request.Options;
        var probe = new SmtpProbe(request, _connector, _trust.Create(request.TrustedCaFile, request.TrustedCertificateThumbprint), _history, _timeProvider);

        // One deadline for everything: the detection takes about one probe timeout, however many ports are probed.
        using var deadline = new CancellationTokenSource(options.ProbeTimeout, _timeProvider);
        using var deadlineOrCaller = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        using var stop = new CancellationTokenSource();
        var probes = new List<(ProbeCandidate Candidate, Task<SmtpProbeAttempt> Task)>();
        var seen = new HashSet<(string, int, SmtpSecurity)>();

        void Start(ProbeCandidate candidate)
        {
            if (seen.Add((candidate.Host.ToLowerInvariant(), candidate.Port, candidate.Mode)))
            {
                probes.Add((candidate, Task.Run(() => probe.RunAsync(candidate, deadlineOrCaller.Token, stop.Token), CancellationToken.None)));
            }
        }

        foreach (var candidate in InitialCandidates(request))
        {
            Start(candidate);
        }

        var srv = options.UseDnsSrv && (IsDomainName(request.Host) || (request.SenderDomain is { } domain && IsDomainName(domain)))
            ? LookUpSrvAsync(request, deadlineOrCaller.Token)
            : null;
        while (true)
        {
            if (srv is { IsCompleted: true })
            {
                foreach (var target in await srv.ConfigureAwait(false))
                {
                    Start(target with { Order = probes.Count });
                }

                srv = null;
            }

            var best = Best(probes);
            var pending = probes.Where(p => !p.Task.IsCompleted).ToList();
            if (pending.Count == 0 && srv is null)
            {
                break;
            }

            // A pending SRV lookup may still bring an implicit-TLS endpoint ranked above the default ports.
            var couldBeat = pending.Select(p => p.Candidate.BestPossible)
                .Concat(srv is null ? [] : [new ProbeRank(0, (int)SmtpProbeSource.Srv, -1)]);
            if (best is { } found && couldBeat.All(rank => rank > found.Rank))
            {
                await stop.CancelAsync().ConfigureAwait(false);
                break;
            }

            await Task.WhenAny(pending.Select(p => (Task)p.Task).Concat(srv is null ? [] : [srv])).ConfigureAwait(false);
        }

        var attempts = await Task.WhenAll(probes.Select(p => p.Task)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var elapsed = _timeProvider.GetElapsedTime(started);
        foreach (var attempt in attempts)
        {
            Log.ProbeEnded(_logger, attempt.Host, attempt.Port, attempt.Security.ToString(), attempt.Source.ToString(), attempt.Outcome.ToString(), (long)attempt.Elapsed.TotalMilliseconds, attempt.Error);
        }

        var chosen = Best(probes)?.Attempt;
        var recommended = chosen is null ? null : new SmtpEndpointRecommendation
        {
            Host = chosen.Host,
            Port = chosen.Port,
            Security = chosen.Security,
            AuthenticationMechanisms = chosen.AuthenticationMechanisms,
            Capabilities = chosen.Capabilities,
        };
        if (recommended is null)
        {
            Log.NothingUsable(_logger, request.Host, (long)elapsed.TotalMilliseconds, attempts.Length);
        }
        else
        {
            Log.Detected(_logger, request.Host, recommended.TransportUri, (long)elapsed.TotalMilliseconds, attempts.Length);
        }

        return new SmtpDetectionReport { Host = request.Host, Recommended = recommended, Attempts = attempts, Elapsed = elapsed };
    }

    /// <summary>The configured (or default) ports on the host, after a provider preset if one matches.</summary>
    internal IEnumerable<ProbeCandidate> InitialCandidates(SmtpDetectionRequest request)
    {
        var order = 0;
        if (_knownEndpoints.Find(request.Host, request.SenderDomain) is { } known)
        {
            yield return new ProbeCandidate(known.Host, known.Port, known.Security == SmtpSecurity.Implicit ? SmtpSecurity.Implicit : SmtpSecurity.StartTls, SmtpProbeSource.Preset, order++);
        }

        var configured = request.Options.Ports is { Count: > 0 };
        var ports = configured ? request.Options.Ports : DetectionDefaults.Ports;
        var source = configured ? SmtpProbeSource.Configured : SmtpProbeSource.Probe;
        foreach (var port in ports.Distinct())
        {
            foreach (var mode in DetectionDefaults.ModesFor(port))
            {
                yield return new ProbeCandidate(request.Host, port, mode, source, order++);
            }
        }
    }

    private static (SmtpProbeAttempt Attempt, ProbeRank Rank)? Best(List<(ProbeCandidate Candidate, Task<SmtpProbeAttempt> Task)> probes)
    {
        (SmtpProbeAttempt, ProbeRank)? best = null;
        foreach (var (candidate, task) in probes)
        {
            if (task.IsCompletedSuccessfully && task.Result is { Outcome: SmtpProbeOutcome.Usable } attempt)
            {
                var rank = new ProbeRank(ProbeRank.OfSecurity(attempt.Security), (int)candidate.Source, candidate.Order);
                if (best is null || rank < best.Value.Item2)
                {
                    best = (attempt, rank);
                }
            }
        }

        return best;
    }

    /// <summary>Looks up <c>_submissions._tcp</c> (implicit TLS) and <c>_submission._tcp</c> (STARTTLS) for the host and the sender's domain.</summary>
    private async Task<List<ProbeCandidate>> LookUpSrvAsync(SmtpDetectionRequest request, CancellationToken cancellationToken)
    {
        var domains = new[] { request.SenderDomain, request.Host }
            .Where(d => !string.IsNullOrWhiteSpace(d) && IsDomainName(d!))
            .Select(d => d!.Trim().TrimEnd('.'))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        var lookups = new List<(SmtpSecurity Mode, Task<IReadOnlyList<SrvTarget>> Task, string Name)>();
        var timeout = request.Options.ProbeTimeout / 2;
        foreach (var domain in domains)
        {
            foreach (var (prefix, mode) in new[] { ("_submissions._tcp.", SmtpSecurity.Implicit), ("_submission._tcp.", SmtpSecurity.StartTls) })
            {
                var name = prefix + domain;
                lookups.Add((mode, _srv.ResolveAsync(name, [.. request.Options.DnsServers], timeout, cancellationToken), name));
            }
        }

        var candidates = new List<ProbeCandidate>();
        foreach (var (mode, task, name) in lookups)
        {
            try
            {
                foreach (var target in await task.WaitAsync(cancellationToken).ConfigureAwait(false))
                {
                    // A DNS answer is not authenticated and TLS would only check the target's own name: credentials go
                    // to the host the caller named, never to another host an SRV record points at.
                    if (request.UserName is not null && !string.Equals(target.Host.TrimEnd('.'), request.Host.Trim().TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    candidates.Add(new ProbeCandidate(target.Host, target.Port, mode, SmtpProbeSource.Srv, 0));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // No SRV records is the usual case; a DNS failure only means fewer candidates.
                Log.SrvLookupFailed(_logger, name, ex.Message);
            }
        }

        return candidates;
    }

    internal static bool IsDomainName(string host) =>
        !IPAddress.TryParse(host.Trim('[', ']'), out _) && host.Contains('.', StringComparison.Ordinal);

    private static void Validate(SmtpDetectionRequest request)
    {
        var options = request.Options ?? throw new ArgumentException("Options must not be null.", nameof(request));
        if (options.Ports is { } ports && ports.Any(p => p is < 1 or > 65535))
        {
            throw new EmailSendException(EmailErrorKind.Configuration, "Detection probes ports from 1 to 65535 only.")
            {
                Hint = "Set MailSender:Smtp:Detection:Ports (e.g. 465, 587), or leave it empty for 465, 587, 25 and 2525.",
            };
        }

        if (options.ProbeTimeout <= TimeSpan.Zero)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The probe timeout must be positive (it is {options.ProbeTimeout}).");
        }

        if (request.UserName is not null && request.Password is null)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"User '{request.UserName}' has no password to check.")
            {
                Hint = $"Give the password too (the {MailSender.Internal.MailSenderDefaults.PasswordEnvironmentVariable} environment variable for the CLI), or no user name to probe without authenticating.",
            };
        }

        foreach (var server in options.DnsServers ?? [])
        {
            DnsSrvResolver.ParseServer(server);
        }
    }
}
