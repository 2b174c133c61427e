namespace MailSender;

/// <summary>
/// A sender that can check, without sending a message, that its transport would work now. The senders
/// <c>AddMailSender</c> registers implement it; call it through <see cref="EmailSenderExtensions.VerifyAsync"/>.
/// </summary>
public interface IVerifiableEmailSender : IEmailSender
{
    /// <summary>Checks that the sender could deliver now, without sending anything.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A description of what was checked (the transport, without secrets).</returns>
    /// <exception cref="EmailSendException">The check failed; the exception says why, with a hint.</exception>
    /// <exception cref="NotSupportedException">The transport cannot be checked (it does not implement <see cref="IVerifiableEmailTransport"/>).</exception>
    Task<string> VerifyAsync(CancellationToken cancellationToken = default);
}
