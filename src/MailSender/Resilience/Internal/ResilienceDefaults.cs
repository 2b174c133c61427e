namespace MailSender.Resilience.Internal;

/// <summary>The default values of <see cref="ResilienceOptions"/>, in one place.</summary>
internal static class ResilienceDefaults
{
    public const int MaxRetryAttempts = 3;
    public const double CircuitBreakerFailureRatio = 0.5;
    public const int CircuitBreakerMinimumThroughput = 5;
    public static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan ThrottledDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
}

/// <summary>Registers a <c>ConfigureResilience</c> callback for one named sender.</summary>
internal sealed record ResilienceConfiguration(string Name, Action<Polly.ResiliencePipelineBuilder<SendResult>, IServiceProvider> Configure);
