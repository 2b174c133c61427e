namespace MailSender;

/// <summary>
/// A transport that can check, without sending a message, that it would work: SMTP connects, authenticates and quits;
/// the pickup folder checks it can write; the in-memory transport is always ready.
/// </summary>
/// <remarks>Call it through <see cref="EmailSenderExtensions.VerifyAsync"/>, or let the health check (<c>AddMailSender</c> on an <c>IHealthChecksBuilder</c>) call it.</remarks>
public interface IVerifiableEmailTransport : IEmailTransport
{
    /// <summary>Checks that the transport could deliver now, without sending anything.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the check passed.</returns>
    /// <exception cref="EmailSendException">The check failed; the exception says why, with a hint.</exception>
    Task VerifyAsync(CancellationToken cancellationToken = default);
}
