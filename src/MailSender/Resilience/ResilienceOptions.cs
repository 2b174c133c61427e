using MailSender.Resilience.Internal;

namespace MailSender;

/// <summary>
/// Configures how a sender retries, times out, breaks the circuit and limits its rate (section <c>MailSender:Resilience</c>).
/// </summary>
/// <remarks>
/// The pipeline is, from the outside in: rate limiter, total timeout, retry, circuit breaker, attempt timeout.
/// What is retried is decided by <see cref="EmailResiliencePredicates.IsTransient(Exception)"/>. A message is never
/// sent twice unless <see cref="AllowAtLeastOnce"/> is set: recipients the server accepted are not sent to again, and a
/// failure after the whole message was written (<see cref="EmailErrorKind.DeliveryUncertain"/>) is not retried.
/// </remarks>
public class ResilienceOptions
{
    /// <summary>Gets or sets a value indicating whether the built-in strategies are used.</summary>
    /// <value>The default is <see langword="true"/>. With <see langword="false"/> a send makes one attempt, unless <c>ConfigureResilience</c> adds strategies.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how many times a transient failure is retried after the first attempt; 0 turns retries off.</summary>
    /// <value>The default is 3 (so at most 4 attempts).</value>
    public int MaxRetryAttempts { get; set; } = ResilienceDefaults.MaxRetryAttempts;

    /// <summary>Gets or sets the delay before the first retry; later ones grow exponentially, with jitter.</summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan BaseDelay { get; set; } = ResilienceDefaults.BaseDelay;

    /// <summary>Gets or sets the longest delay between two attempts (except after a throttling reply, see <see cref="ThrottledDelay"/>).</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan MaxDelay { get; set; } = ResilienceDefaults.MaxDelay;

    /// <summary>Gets or sets the delay before retrying after a reply that asks to slow down (see <see cref="EmailResiliencePredicates.IsThrottling"/>).</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan ThrottledDelay { get; set; } = ResilienceDefaults.ThrottledDelay;

    /// <summary>Gets or sets how long one attempt may take; a timed-out attempt is retried only if the message was not handed over yet.</summary>
    /// <value>The default is 2 minutes.</value>
    public TimeSpan AttemptTimeout { get; set; } = ResilienceDefaults.AttemptTimeout;

    /// <summary>Gets or sets how long a send may take, all attempts and delays included.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan TotalTimeout { get; set; } = ResilienceDefaults.TotalTimeout;

    /// <summary>Gets or sets the share of failed attempts within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit.</summary>
    /// <value>The default is 0.5.</value>
    /// <remarks>Connection failures, timeouts, 4xx server replies and refused credentials count as failures, so repeated 535 replies stop the sender before the account is locked; refused recipients and messages do not.</remarks>
    public double CircuitBreakerFailureRatio { get; set; } = ResilienceDefaults.CircuitBreakerFailureRatio;

    /// <summary>Gets or sets how many attempts must be made within <see cref="CircuitBreakerSamplingDuration"/> before the circuit can open (at least 2).</summary>
    /// <value>The default is 5.</value>
    public int CircuitBreakerMinimumThroughput { get; set; } = ResilienceDefaults.CircuitBreakerMinimumThroughput;

    /// <summary>Gets or sets the window over which the failure ratio is measured (at least 0.5 seconds).</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = ResilienceDefaults.CircuitBreakerSamplingDuration;

    /// <summary>Gets or sets how long an open circuit fails sends at once, without connecting, before it lets one through to test the server (at least 0.5 seconds).</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = ResilienceDefaults.CircuitBreakerBreakDuration;

    /// <summary>Gets or sets how many messages may be sent per second; further sends wait (honouring cancellation).</summary>
    /// <value>The default is <see langword="null"/>: unlimited.</value>
    public int? MaxMessagesPerSecond { get; set; }

    /// <summary>Gets or sets how many messages may be sent per minute; further sends wait (honouring cancellation).</summary>
    /// <value>The default is <see langword="null"/>: unlimited.</value>
    public int? MaxMessagesPerMinute { get; set; }

    /// <summary>Gets or sets a value indicating whether a send that failed after the whole message was written (<see cref="EmailErrorKind.DeliveryUncertain"/>) is retried.</summary>
    /// <value>The default is <see langword="false"/>: it is reported, not retried. With <see langword="true"/> it is retried, and a recipient may receive the message twice.</value>
    public bool AllowAtLeastOnce { get; set; }

    /// <summary>Gets or sets a value indicating whether a message refused for some recipients (after retries) throws.</summary>
    /// <value>
    /// The default is <see langword="false"/>: the <see cref="SendResult"/> lists the refused recipients in <see cref="SendResult.RejectedRecipients"/>.
    /// With <see langword="true"/>, an <see cref="EmailSendException"/> of kind <see cref="EmailErrorKind.RecipientsRejected"/> is thrown after the message was delivered to the accepted ones.
    /// </value>
    public bool ThrowOnPartialRejection { get; set; }

    /// <summary>A copy, so defaults from a provider preset never change the options instance shared through <c>IOptionsMonitor</c>.</summary>
    internal ResilienceOptions Clone() => (ResilienceOptions)MemberwiseClone();
}
