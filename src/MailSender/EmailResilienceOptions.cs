using System.ComponentModel.DataAnnotations;
using MailSender.Internal;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace MailSender;

/// <summary>
/// Configures how a sender retries, times out, breaks the circuit and limits its rate (section <c>MailSender:Resilience</c>),
/// built from Polly's own strategy options as <c>Microsoft.Extensions.Http.Resilience</c> does.
/// </summary>
/// <remarks>
/// The pipeline is, from the outside in: rate limiter, total timeout, retry, circuit breaker, attempt timeout.
/// What is retried is decided by the <c>ShouldHandle</c> of <see cref="Retry"/> (by default
/// <see cref="EmailResiliencePredicates.IsTransient(Polly.Outcome{SendResult})"/>: transient failures, and recipients deferred with a 4xx reply). A message is never
/// sent twice unless <see cref="EmailRetryStrategyOptions.AllowAtLeastOnce"/> is set: recipients the server accepted are
/// not sent to again, and a failure after the whole message was written (<see cref="EmailErrorKind.DeliveryUncertain"/>) is not retried.
/// </remarks>
public class EmailResilienceOptions
{
    /// <summary>Gets or sets a value indicating whether the built-in strategies are used.</summary>
    /// <value>The default is <see langword="true"/>. With <see langword="false"/> a send makes one attempt, unless <c>ConfigureResilience</c> adds strategies.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the retry strategy (section <c>MailSender:Resilience:Retry</c>).</summary>
    /// <value>The default retries transient failures 3 times, from 2 s, exponentially with jitter, at most 1 min apart (30 s after a throttling reply).</value>
    [Required]
    [ValidateObjectMembers]
    public EmailRetryStrategyOptions Retry { get; set; } = new();

    /// <summary>Gets or sets the circuit breaker (section <c>MailSender:Resilience:CircuitBreaker</c>).</summary>
    /// <value>The default opens for 30 s when half the attempts of 30 s (at least 5) failed.</value>
    [Required]
    [ValidateObjectMembers]
    public EmailCircuitBreakerStrategyOptions CircuitBreaker { get; set; } = new();

    /// <summary>Gets or sets how long one attempt may take (section <c>MailSender:Resilience:AttemptTimeout</c>); a timed-out attempt is retried only if the message was not handed over yet.</summary>
    /// <value>The default <see cref="TimeoutStrategyOptions.Timeout"/> is 2 minutes.</value>
    [Required]
    [ValidateObjectMembers]
    public TimeoutStrategyOptions AttemptTimeout { get; set; } = new() { Name = "MailSender.AttemptTimeout", Timeout = MailSenderDefaults.AttemptTimeout };

    /// <summary>Gets or sets how long a send may take, all attempts and delays included (section <c>MailSender:Resilience:TotalTimeout</c>).</summary>
    /// <value>The default <see cref="TimeoutStrategyOptions.Timeout"/> is 5 minutes; it must not be shorter than the attempt timeout.</value>
    [Required]
    [ValidateObjectMembers]
    public TimeoutStrategyOptions TotalTimeout { get; set; } = new() { Name = "MailSender.TotalTimeout", Timeout = MailSenderDefaults.TotalTimeout };

    /// <summary>Gets or sets how many messages may be sent per second or minute (section <c>MailSender:Resilience:RateLimit</c>).</summary>
    /// <value>The default is no limit, unless a <c>relay://</c> provider preset documents one.</value>
    [Required]
    [ValidateObjectMembers]
    public EmailRateLimitOptions RateLimit { get; set; } = new();
}
