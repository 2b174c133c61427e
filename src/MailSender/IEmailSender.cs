using MimeKit;

namespace MailSender;

/// <summary>
/// Sends e-mail messages. Inject it where an application needs to send mail.
/// </summary>
/// <remarks>
/// Implementations are thread-safe: one instance is meant to be shared by the whole application.
/// A message is either handed over to the transport completely, or the call throws an
/// <see cref="EmailSendException"/> saying why; nothing is silently dropped.
/// </remarks>
public interface IEmailSender
{
    /// <summary>
    /// Sends <paramref name="message"/> through the configured transport.
    /// </summary>
    /// <param name="message">The message. When it has no <c>From</c>, the configured default sender is used.</param>
    /// <param name="cancellationToken">Cancels the send. Cancelling before the message is handed over sends nothing.</param>
    /// <returns>What the transport did with the message.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="EmailSendException">The message is invalid or could not be delivered to the transport.</exception>
    Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default);
}
