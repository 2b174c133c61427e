namespace MailSender;

/// <summary>
/// Learns the outcome of each message a sender sends: sent, failed, or uncertain (it may have been accepted). Register one
/// with <c>AddObserver</c> on the builder <c>AddMailSender</c> returns (that sender only), or as a singleton
/// <see cref="IEmailObserver"/> service (every sender).
/// </summary>
/// <remarks>
/// Observers run after the send's last attempt, before <c>SendAsync</c> returns or throws: those registered as services
/// first, then the sender's own, each group in the order of registration; so keep them quick, and hand slow work to a
/// queue. An observer cannot change the outcome: an exception it throws is logged (event 163) and the next observer runs.
/// Vetoed and invalid messages are reported as <see cref="EmailSendOutcome.Failed"/>.
/// </remarks>
public interface IEmailObserver
{
    /// <summary>Called once per send, after its outcome is known.</summary>
    /// <param name="context">The outcome, the message and, when it was sent, the result.</param>
    /// <param name="cancellationToken">The send's cancellation token.</param>
    /// <returns>A task that completes when the observer is done.</returns>
    ValueTask OnSendCompletedAsync(EmailSendCompletedContext context, CancellationToken cancellationToken);
}
