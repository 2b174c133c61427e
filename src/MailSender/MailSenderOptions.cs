using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MailSender;

/// <summary>
/// Configures an <see cref="IEmailSender"/>. Bind it from configuration (section <c>MailSender</c>) or set it in code.
/// </summary>
/// <remarks>
/// <para>
/// The options are grouped as the transports use them: <see cref="Smtp"/> for <c>smtp://</c>, <c>smtps://</c>,
/// <c>relay://</c> and <c>direct:</c>, <see cref="Pickup"/> for <c>pickup:</c>, <see cref="Dkim"/> for signing (every
/// transport) and <see cref="Resilience"/> for retries, timeouts, the circuit breaker and the rate limit.
/// </para>
/// <para>
/// Options are validated when the application starts; every invalid setting is reported at once by name.
/// Settings given as transport URI parameters (e.g. <c>?timeout=30s</c>) take precedence over these properties.
/// Only settings that configuration can hold live here: services, such as an OAuth 2.0 token provider, are registered
/// with the builder <c>AddMailSender</c> returns (<c>UseAccessTokenProvider</c>).
/// </para>
/// </remarks>
public class MailSenderOptions
{
    /// <summary>Gets or sets the transport URI, e.g. <c>smtp://user@smtp.example.com:587</c> or <c>pickup:./outbox</c>.</summary>
    /// <value>The default is <see langword="null"/>: a transport must be configured here or with <c>UseTransport</c>.</value>
    public string? Transport { get; set; }

    /// <summary>Gets or sets the sender used for messages without a <c>From</c> header, e.g. <c>App &lt;app@example.com&gt;</c>.</summary>
    /// <value>The default is <see langword="null"/>: messages must carry their own <c>From</c>.</value>
    public string? DefaultFrom { get; set; }

    /// <summary>Gets or sets the user name, when it is not in the transport URI.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? UserName { get; set; }

    /// <summary>Gets or sets the password (or API key), so it need not live in the transport URI.</summary>
    /// <value>
    /// The default is <see langword="null"/>: a password in the URI is used, else the
    /// <c>MAILSENDER_PASSWORD</c> environment variable when a user name is set.
    /// </value>
    public string? Password { get; set; }

    /// <summary>Gets or sets a value indicating whether log events may name recipients (accepted, refused, not sent to).</summary>
    /// <value>
    /// The default is <see langword="false"/>: addresses are personal data, so logs and traces carry the number of recipients only,
    /// and addresses in error reasons are replaced by <c>[address]</c>. Turn it on where your logs may hold personal data (docs/telemetry.md).
    /// </value>
    public bool LogRecipients { get; set; }

    /// <summary>Gets or sets a value indicating whether a message refused for some recipients (after retries) throws.</summary>
    /// <value>
    /// The default is <see langword="false"/>: the <see cref="SendResult"/> lists the refused recipients in <see cref="SendResult.RejectedRecipients"/>.
    /// With <see langword="true"/>, an <see cref="EmailSendException"/> of kind <see cref="EmailErrorKind.RecipientsRejected"/> is thrown after the message was delivered to the accepted ones.
    /// </value>
    public bool ThrowOnPartialRejection { get; set; }

    /// <summary>Gets or sets the SMTP settings (section <c>MailSender:Smtp</c>): timeouts, EHLO name, TLS trust, the connection pool and endpoint detection.</summary>
    /// <value>Defaults: 30 s to connect, 60 s per command, the machine's host name in EHLO, the system trust store, the pool and detection defaults.</value>
    [Required]
    [ValidateObjectMembers]
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Gets or sets the pickup-folder settings (section <c>MailSender:Pickup</c>).</summary>
    /// <value>The default writes the envelope before each message.</value>
    [Required]
    public PickupOptions Pickup { get; set; } = new();

    /// <summary>Gets or sets the DKIM signing options (section <c>MailSender:Dkim</c>), applied to every message whatever the transport.</summary>
    /// <value>The default signs nothing.</value>
    [Required]
    public DkimOptions Dkim { get; set; } = new();

    /// <summary>Gets or sets the development and staging safety net (section <c>MailSender:Redirect</c>): a fixed address that receives every message, and an allow-list of recipients.</summary>
    /// <value>The default changes nothing.</value>
    [Required]
    public RedirectOptions Redirect { get; set; } = new();

    /// <summary>Gets or sets the retry, timeout, circuit-breaker and rate-limit options (section <c>MailSender:Resilience</c>).</summary>
    /// <value>Defaults: 3 retries from 2 s (exponential, jitter, at most 1 min; 30 s after throttling replies), 2 min per attempt, 5 min in all, no rate limit.</value>
    [Required]
    [ValidateObjectMembers]
    public EmailResilienceOptions Resilience { get; set; } = new();
}
