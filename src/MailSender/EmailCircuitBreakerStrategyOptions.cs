using MailSender.Internal;
using Polly;
using Polly.CircuitBreaker;

namespace MailSender;

/// <summary>
/// The circuit breaker of a sender (section <c>MailSender:Resilience:CircuitBreaker</c>): Polly's
/// <see cref="CircuitBreakerStrategyOptions{TResult}"/> with defaults for mail. With <c>failover(...)</c> and
/// <c>roundrobin(...)</c>, each transport has a circuit of its own with these settings.
/// </summary>
/// <remarks>
/// What counts as a failure (<see cref="EmailResiliencePredicates.IsEndpointFailure(Exception)"/>): connection failures,
/// timeouts, TLS failures, 4xx server replies and refused credentials, so repeated 535 replies stop the sender before
/// the account is locked; refused recipients and messages do not.
/// </remarks>
public class EmailCircuitBreakerStrategyOptions : CircuitBreakerStrategyOptions<SendResult>
{
    /// <summary>Initializes a new instance of the <see cref="EmailCircuitBreakerStrategyOptions"/> class with the defaults for mail.</summary>
    public EmailCircuitBreakerStrategyOptions()
    {
        Name = "MailSender.CircuitBreaker";
        FailureRatio = MailSenderDefaults.CircuitBreakerFailureRatio;
        MinimumThroughput = MailSenderDefaults.CircuitBreakerMinimumThroughput;
        SamplingDuration = MailSenderDefaults.CircuitBreakerSamplingDuration;
        BreakDuration = MailSenderDefaults.CircuitBreakerBreakDuration;
        ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } error && EmailResiliencePredicates.IsEndpointFailure(error));
    }
}
