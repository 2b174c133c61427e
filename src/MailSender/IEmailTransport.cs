using MimeKit;

namespace MailSender;

/// <summary>
/// Delivers a prepared message to its envelope recipients: an SMTP server, a folder, memory, or your own service.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="IEmailSender"/> validates the message and builds the envelope before it calls a transport,
/// so an implementation can rely on a sender, at least one recipient and well-formed headers.
/// </para>
/// <para>
/// Implementations must be thread-safe and should throw <see cref="EmailSendException"/> for failures,
/// with <see cref="EmailSendException.MayHaveBeenAccepted"/> set whenever the message may have been delivered.
/// A transport that implements <see cref="IAsyncDisposable"/> is disposed with the sender that created it.
/// </para>
/// </remarks>
public interface IEmailTransport
{
    /// <summary>Gets a description of the transport for results and logs, without secrets (e.g. <c>smtp://smtp.example.com:587</c>).</summary>
    string Name { get; }

    /// <summary>Delivers <paramref name="message"/> to the recipients in <paramref name="envelope"/>.</summary>
    /// <param name="message">The message, ready to send.</param>
    /// <param name="envelope">The envelope sender and recipients (Bcc included).</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    /// <returns>What happened to the message.</returns>
    Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default);
}
