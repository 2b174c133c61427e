using MailSender.Diagnostics;
using MailSender.Internal;
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
internal sealed class FailoverTransport : IVerifiableEmailTransport, ISizeAwareTransport, IAsyncDisposable
{
    private readonly Member[] _members;
    private readonly bool _roundRobin;
    private readonly MailSenderTelemetry _telemetry;
    private int _next = -1;

    public FailoverTransport(IReadOnlyList<IEmailTransport> transports, bool roundRobin, ResilienceOptions? resilience = null, TimeProvider? timeProvider = null, MailSenderTelemetry? telemetry = null)
    {
        _telemetry = telemetry ?? MailSenderTelemetry.Shared;
        _members = [.. transports.Select(t => new Member(t, resilience is { Enabled: true } ? resilience : null, timeProvider ?? TimeProvider.System))];
        _roundRobin = roundRobin;
        Name = (roundRobin ? "roundrobin(" : "failover(") + string.Join(' ', _members.Select(m => m.Transport.Name)) + ")";
    }

    public string Name { get; }

    public IReadOnlyList<IEmailTransport> Transports => [.. _members.Select(m => m.Transport)];

    public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
        SendAsync(message, envelope, long.MaxValue, cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken)
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
                Hint = "Every endpoint failed repeatedly; the circuits close again after the break duration (MailSender:Resilience:CircuitBreakerBreakDuration).",
            };
        }

        for (var i = 0; ; i++)
        {
            try
            {
                return await candidates[i].SendAsync(message, envelope, sizeBound, cancellationToken).ConfigureAwait(false);
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
                await EmailSenderExtensions.VerifyTransportAsync(member.Transport, cancellationToken).ConfigureAwait(false);
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

        public Member(IEmailTransport transport, ResilienceOptions? options, TimeProvider timeProvider)
        {
            Transport = transport;
            if (options is null)
            {
                return;
            }

            _state = new CircuitBreakerStateProvider();
            _circuit = new ResiliencePipelineBuilder<SendResult> { TimeProvider = timeProvider }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<SendResult>
                {
                    FailureRatio = options.CircuitBreakerFailureRatio,
                    MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                    SamplingDuration = options.CircuitBreakerSamplingDuration,
                    BreakDuration = options.CircuitBreakerBreakDuration,
                    StateProvider = _state,

                    // What says the endpoint is unhealthy: transient failures and refused TLS or credentials, not a refused recipient.
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is EmailSendException error &&
                        (EmailResiliencePredicates.IsTransient(error) || error.Kind is EmailErrorKind.TlsFailed or EmailErrorKind.AuthenticationFailed)),
                })
                .Build();
        }

        public IEmailTransport Transport { get; }

        public bool IsOpen => _state?.CircuitState is CircuitState.Open or CircuitState.Isolated;

        public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken)
        {
            if (_circuit is null)
            {
                return await SendDirectAsync(message, envelope, sizeBound, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await _circuit.ExecuteAsync(
                    async token => await SendDirectAsync(message, envelope, sizeBound, token).ConfigureAwait(false),
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

        private Task<SendResult> SendDirectAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken) =>
            Transport is ISizeAwareTransport sized
                ? sized.SendAsync(message, envelope, sizeBound, cancellationToken)
                : Transport.SendAsync(message, envelope, cancellationToken);
    }
}
