using MailSender.Diagnostics;
using MailSender.Internal;
using MailSender.Resilience;
using MimeKit;
using Polly;
using Polly.CircuitBreaker;

namespace MailSender.Failover;

/// <summary>
/// Sends through the first of several transports that works (<c>failover(A B)</c>), or spreads messages across them in
/// turn (<c>roundrobin(A B)</c>). It moves on to the next transport only when
/// <see cref="EmailResiliencePredicates.IsTransient(Exception)"/> says the failure is transient (connection failures,
/// timeouts before the hand-over, 4xx replies): never after a 5xx refusal or an uncertain delivery, which could duplicate the message.
/// </summary>
/// <remarks>
/// With resilience enabled, each transport has a circuit breaker of its own: a transport whose circuit is open is
/// skipped without being tried, so one broken endpoint neither slows every message down nor blocks the others.
/// </remarks>
internal sealed class FailoverTransport : IVerifiableEmailTransport, IAsyncDisposable, Internal.IReportsFinalWrite
{
    private readonly Member[] _members;
    private readonly bool _roundRobin;
    private readonly MailSenderTelemetry _telemetry;
    private int _next = -1;

    /// <param name="transports">The transports, in the order to try them.</param>
    /// <param name="roundRobin">Whether each send starts with the next transport in turn.</param>
    /// <param name="circuitBreaker">The circuit breaker each transport gets (the sender's), or <see langword="null"/> when resilience is off.</param>
    /// <param name="timeProvider">The circuits' clock.</param>
    /// <param name="telemetry">Where failovers are reported.</param>
    public FailoverTransport(IReadOnlyList<IEmailTransport> transports, bool roundRobin, CircuitBreakerStrategyOptions<SendResult>? circuitBreaker, TimeProvider timeProvider, MailSenderTelemetry telemetry)
    {
        _telemetry = telemetry;
        _members = [.. transports.Select(t => new Member(t, circuitBreaker, timeProvider))];
        _roundRobin = roundRobin;
        Name = (roundRobin ? "roundrobin(" : "failover(") + string.Join(' ', _members.Select(m => m.Transport.Name)) + ")";
    }

    public string Name { get; }

    /// <inheritdoc/>
    public bool ReportsFinalWrite => Array.TrueForAll(_members, m => m.Transport is Internal.IReportsFinalWrite { ReportsFinalWrite: true });

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        var count = _members.Length;
        var start = _roundRobin ? (int)((uint)Interlocked.Increment(ref _next) % (uint)count) : 0;
        var candidates = new List<Member>(count);
        for (var i = 0; i < count; i++)
        {
            var member = _members[(start + i) % count];
            if (!member.IsOpen)
            {
                candidates.Add(member);
            }
        }

        if (candidates.Count == 0)
        {
            throw new EmailSendException(EmailErrorKind.ServerBusy, $"Not sending through {Name}: the circuit of every transport is open after repeated failures.")
            {
                IsTransient = true,
                Transport = Name,
                Hint = "Every endpoint failed repeatedly; the circuits close again after the break duration (MailSender:Resilience:CircuitBreaker:BreakDuration).",
            };
        }

        for (var i = 0; ; i++)
        {
            try
            {
                return await candidates[i].SendAsync(message, envelope, cancellationToken).ConfigureAwait(false);
            }
            catch (EmailSendException ex) when (i < candidates.Count - 1 && EmailResiliencePredicates.IsTransient(ex))
            {
                // Nothing was accepted (a transient failure is never one after the hand-over): the next transport may do better.
                _telemetry.FailingOver(candidates[i].Transport.Name, candidates[i + 1].Transport.Name, ex);
            }
        }
    }

    /// <summary>Succeeds when at least one transport verifies (as a send would succeed through it); otherwise throws the first failure.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken = default)
    {
        EmailSendException? first = null;
        foreach (var member in _members)
        {
            try
            {
                await TransportVerification.VerifyAsync(member.Transport, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (EmailSendException ex)
            {
                first ??= ex;
            }
        }

        throw first!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await TransportDisposal.DisposeAsync(member.Transport).ConfigureAwait(false);
        }
    }

    /// <summary>One transport of the composite, with its own circuit breaker when resilience is enabled.</summary>
    private sealed class Member
    {
        private readonly ResiliencePipeline<SendResult>? _circuit;
        private readonly CircuitBreakerStateProvider? _state;

        public Member(IEmailTransport transport, CircuitBreakerStrategyOptions<SendResult>? options, TimeProvider timeProvider)
        {
            Transport = transport;
            if (options is null)
            {
                return;
            }

            // The sender's settings and failure predicate, with a circuit (and state) of this transport's own.
            _state = new CircuitBreakerStateProvider();
            var circuit = EmailResiliencePipeline.Copy(options, static _ => default);
            circuit.StateProvider = _state;
            circuit.ManualControl = null;
            _circuit = new ResiliencePipelineBuilder<SendResult> { TimeProvider = timeProvider }.AddCircuitBreaker(circuit).Build();
        }

        public IEmailTransport Transport { get; }

        public bool IsOpen => _state?.CircuitState is CircuitState.Open or CircuitState.Isolated;

        public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken)
        {
            if (_circuit is null)
            {
                return await Transport.SendAsync(message, envelope, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await _circuit.ExecuteAsync(
                    async token => await Transport.SendAsync(message, envelope, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (BrokenCircuitException ex)
            {
                // Opened by a concurrent send since the candidates were chosen: nothing was sent here.
                throw new EmailSendException(EmailErrorKind.ServerBusy, $"Not sending through {Transport.Name}: its circuit is open after repeated failures.", ex)
                {
                    IsTransient = true,
                    Transport = Transport.Name,
                };
            }
        }
    }
}
