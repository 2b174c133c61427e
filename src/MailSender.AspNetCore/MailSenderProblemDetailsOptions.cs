namespace MailSender.AspNetCore;

/// <summary>
/// Configures the problem details that <see cref="MailSenderProblemDetailsServiceCollectionExtensions.AddMailSenderProblemDetails"/>
/// writes for a failed send.
/// </summary>
public class MailSenderProblemDetailsOptions
{
    /// <summary>Gets or sets the <c>Retry-After</c> sent with a transient failure (503, or 504 before the message was handed over) when the failure itself does not say how long to wait.</summary>
    /// <value>
    /// The default is 30 seconds, MailSender's own wait after a throttling reply and its circuit breaker's break. An open
    /// circuit says how long it stays open, and that wins. It must be at least 1 second; it is sent in whole seconds, rounded up.
    /// </value>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}
