using MailSender.Diagnostics;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace MailSender.Resilience;

/// <summary>
/// Builds a sender's Polly pipeline from <see cref="EmailResilienceOptions"/>, from the outside in: rate limiters, total
/// timeout, retry, circuit breaker, attempt timeout; then the strategies <c>ConfigureResilience</c> adds. Owns the rate
/// limiters it creates, and remembers the failure that opened the circuit (for the error of the sends it stops).
/// </summary>
internal sealed class EmailResiliencePipeline : IDisposable
{
    private readonly List<IDisposable> _resources = [];

    /// <param name="options">The options; the retry and circuit-breaker options are copied to add telemetry callbacks, so the shared instances never change.</param>
    /// <param name="transport">The transport's name, for logs and the pipeline's instance name.</param>
    /// <param name="timeProvider">The clock of every strategy.</param>
    /// <param name="telemetry">Where retries and open circuits are reported.</param>
    /// <param name="hooks">The <c>ConfigureResilience</c> callbacks of this sender.</param>
    /// <param name="services">The container, for the hooks.</param>
    public EmailResiliencePipeline(
        EmailResilienceOptions options,
        string transport,
        TimeProvider timeProvider,
        MailSenderTelemetry telemetry,
        IReadOnlyList<Action<ResiliencePipelineBuilder<SendResult>, IServiceProvider>> hooks,
        IServiceProvider services)
    {
        var builder = new ResiliencePipelineBuilder<SendResult> { Name = "MailSender", InstanceName = transport, TimeProvider = timeProvider };
        AttemptTimeout = options.AttemptTimeout.Timeout;
        TotalTimeout = options.TotalTimeout.Timeout;
        if (options.Enabled)
        {
            AddRateLimiter(builder, options.RateLimit.MessagesPerSecond, TimeSpan.FromSeconds(1), timeProvider);
            AddRateLimiter(builder, options.RateLimit.MessagesPerMinute, TimeSpan.FromMinutes(1), timeProvider);
            builder.AddTimeout(options.TotalTimeout);
            if (options.Retry.Enabled)
            {
                builder.AddRetry(Retry(options.Retry, transport, telemetry));
            }

            builder.AddCircuitBreaker(CircuitBreaker(options.CircuitBreaker, transport, telemetry));
            builder.AddTimeout(options.AttemptTimeout);
        }

        foreach (var hook in hooks)
        {
            hook(builder, services);
        }

        Pipeline = builder.Build();
    }

    public ResiliencePipeline<SendResult> Pipeline { get; }

    public TimeSpan AttemptTimeout { get; }

    public TimeSpan TotalTimeout { get; }

    /// <summary>Gets the failure that last opened the circuit, or <see langword="null"/>.</summary>
    public EmailSendException? BreakingFailure { get; private set; }

    /// <summary>A copy of a circuit breaker's options whose <c>OnOpened</c> also reports the opening (for failover's per-transport circuits too).</summary>
    public static CircuitBreakerStrategyOptions<SendResult> Copy(CircuitBreakerStrategyOptions<SendResult> options, Func<OnCircuitOpenedArguments<SendResult>, ValueTask> onOpened) => new()
    {
        Name = options.Name,
        FailureRatio = options.FailureRatio,
        MinimumThroughput = options.MinimumThroughput,
        SamplingDuration = options.SamplingDuration,
        BreakDuration = options.BreakDuration,
        BreakDurationGenerator = options.BreakDurationGenerator,
        ShouldHandle = options.ShouldHandle,
        OnClosed = options.OnClosed,
        OnHalfOpened = options.OnHalfOpened,
        ManualControl = options.ManualControl,
        StateProvider = options.StateProvider,
        OnOpened = async args =>
        {
            await onOpened(args).ConfigureAwait(false);
            if (options.OnOpened is { } own)
            {
                await own(args).ConfigureAwait(false);
            }
        },
    };

    public void Dispose()
    {
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }
    }

    private static RetryStrategyOptions<SendResult> Retry(EmailRetryStrategyOptions options, string transport, MailSenderTelemetry telemetry)
    {
        var transportKind = TelemetryNames.TransportKind(transport);
        return new RetryStrategyOptions<SendResult>
        {
            Name = options.Name,
            MaxRetryAttempts = options.MaxRetryAttempts,
            BackoffType = options.BackoffType,
            UseJitter = options.UseJitter,
            Delay = options.Delay,
            MaxDelay = options.MaxDelay,
            ShouldHandle = options.ShouldHandle,
            DelayGenerator = options.DelayGenerator,
            Randomizer = options.Randomizer,
            OnRetry = async args =>
            {
                Log.Retrying(telemetry.Logger, transport, (long)args.RetryDelay.TotalMilliseconds, args.AttemptNumber + 1, Describe(args.Outcome));
                telemetry.Retrying(transportKind, args.AttemptNumber + 1, args.Outcome.Exception);
                if (options.OnRetry is { } own)
                {
                    await own(args).ConfigureAwait(false);
                }
            },
        };
    }

    private CircuitBreakerStrategyOptions<SendResult> CircuitBreaker(EmailCircuitBreakerStrategyOptions options, string transport, MailSenderTelemetry telemetry) =>
        Copy(options, args =>
        {
            BreakingFailure = args.Outcome.Exception as EmailSendException;
            Log.CircuitOpened(telemetry.Logger, transport, (long)args.BreakDuration.TotalMilliseconds, Describe(args.Outcome));
            return default;
        });

    private static string Describe(Outcome<SendResult> outcome) => outcome.Exception switch
    {
        EmailSendException error => $"{error.Kind}: {Redaction.Addresses(error.Message)}",
        { } exception => exception.GetType().Name,
        null => $"{outcome.Result?.RejectedRecipients.Count(r => r.IsTransient)} recipient(s) deferred",
    };

    private void AddRateLimiter(ResiliencePipelineBuilder<SendResult> builder, int? permits, TimeSpan period, TimeProvider timeProvider)
    {
        if (permits is not { } count)
        {
            return;
        }

        // Windows timed by the TimeProvider, so tests can drive them with a fake clock.
        var limiter = new TimeWindowRateLimiter(count, period, timeProvider);
        _resources.Add(limiter);
        builder.AddRateLimiter(limiter);
    }
}
