namespace MailSender;

/// <summary>
/// Inspects, changes or vetoes each message a sender sends, before any transport sees it (as Rails' interceptors and
/// Symfony's <c>MessageEvent</c> do). Register one with <c>AddInterceptor</c> on the builder <c>AddMailSender</c> returns
/// (that sender only), or as a singleton <see cref="IEmailInterceptor"/> service (every sender).
/// </summary>
/// <remarks>
/// <para>
/// Order: the interceptors registered as services run first, then the sender's own, each group in the order of
/// registration; then the built-in redirect (<see cref="MailSenderOptions.Redirect"/>), so nothing an interceptor adds
/// escapes it; then the message is checked again (addresses, header injection) and, last, signed with DKIM. An
/// interceptor runs once per send, before the retries, which resend the message it produced.
/// </para>
/// <para>
/// A veto (<see cref="EmailSendingContext.Veto(string)"/>) stops the send: the interceptors after it do not run and
/// <c>SendAsync</c> throws an <see cref="EmailSendException"/> of kind <see cref="EmailErrorKind.Vetoed"/>. An exception an
/// interceptor throws reaches the caller as it is, and nothing is sent.
/// </para>
/// </remarks>
public interface IEmailInterceptor
{
    /// <summary>Called before the message is sent; change <see cref="EmailSendingContext.Message"/> or its envelope, or veto it.</summary>
    /// <param name="context">The message, its envelope and the sender's name.</param>
    /// <param name="cancellationToken">The send's cancellation token.</param>
    /// <returns>A task that completes when the interceptor is done.</returns>
    ValueTask OnSendingAsync(EmailSendingContext context, CancellationToken cancellationToken);
}
