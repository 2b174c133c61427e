using System.ComponentModel.DataAnnotations;
using MailSender.Internal;
using Polly;
using Polly.Retry;

namespace MailSender;

/// <summary>
/// The retry strategy of a sender (section <c>MailSender:Resilience:Retry</c>): Polly's <see cref="RetryStrategyOptions{TResult}"/>
/// with defaults for mail. Only transient failures are retried, and for a message refused for some recipients with a 4xx
/// reply, only those recipients are tried again.
/// </summary>
public class EmailRetryStrategyOptions : RetryStrategyOptions<SendResult>
{
    /// <summary>Initializes a new instance of the <see cref="EmailRetryStrategyOptions"/> class with the defaults for mail.</summary>
    public EmailRetryStrategyOptions()
    {
        Name = "MailSender.Retry";
        MaxRetryAttempts = MailSenderDefaults.MaxRetryAttempts;
        BackoffType = DelayBackoffType.Exponential;
        UseJitter = true;
        Delay = MailSenderDefaults.RetryDelay;
        MaxDelay = MailSenderDefaults.RetryMaxDelay;
        ShouldHandle = args => ValueTask.FromResult(EmailResiliencePredicates.IsTransient(args.Outcome) ||
            (AllowAtLeastOnce && args.Outcome.Exception is EmailSendException { Kind: EmailErrorKind.DeliveryUncertain }));

        // A server that asks to slow down gets longer than the exponential delay; other delays are Polly's.
        DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
            args.Outcome.Exception is EmailSendException error && EmailResiliencePredicates.IsThrottling(error) ? ThrottledDelay : null);
    }

    /// <summary>Gets or sets a value indicating whether failed sends are retried at all.</summary>
    /// <value>The default is <see langword="true"/>. With <see langword="false"/> the other strategies (timeouts, circuit breaker, rate limit) still apply.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the delay before retrying after a reply that asks to slow down (see <see cref="EmailResiliencePredicates.IsThrottling"/>).</summary>
    /// <value>The default is 30 seconds; from 0 to 1 day.</value>
    [TimeSpanRange("00:00:00", MailSenderDefaults.MaxDurationText)]
    public TimeSpan ThrottledDelay { get; set; } = MailSenderDefaults.ThrottledDelay;

    /// <summary>Gets or sets a value indicating whether a send that failed after the whole message was written (<see cref="EmailErrorKind.DeliveryUncertain"/>) is retried.</summary>
    /// <value>The default is <see langword="false"/>: it is reported, not retried. With <see langword="true"/> it is retried, and a recipient may receive the message twice.</value>
    public bool AllowAtLeastOnce { get; set; }
}
