using Polly;
using Polly.Timeout;

namespace MailSender;

/// <summary>
/// Decides which send failures are worth trying again. Every part of MailSender that retries, fails over or backs off asks these predicates.
/// </summary>
/// <remarks>
/// <para>
/// Transient: 4xx replies (421, 450, 451, 452, 454, ...), refused or reset connections, timeouts before the message
/// was handed over, and an exhausted connection pool. Permanent: 5xx replies, refused credentials (535), invalid
/// messages, configuration errors, and <see cref="EmailErrorKind.DeliveryUncertain"/>, because the server may already
/// have accepted the message and sending it again could deliver it twice.
/// </para>
/// </remarks>
public static class EmailResiliencePredicates
{
    private static readonly string[] ThrottlingWords = ["rate", "limit", "too many", "throttl", "slow down"];

    /// <summary>Gets a value indicating whether trying <paramref name="exception"/>'s send again later may succeed without risking a duplicate.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> for a transient failure; <see langword="false"/> for a permanent or uncertain one.</returns>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            EmailSendException error => IsTransientError(error),

            // A transport reports cancellation after the hand-over as DeliveryUncertain, so a rejected attempt never reached the final dot.
            TimeoutRejectedException => true,
            _ => false,
        };
    }

    /// <summary>Gets a value indicating whether an attempt's outcome should be retried: a transient failure, or a result with recipients refused with a 4xx reply.</summary>
    /// <param name="outcome">The outcome of one attempt.</param>
    /// <returns><see langword="true"/> when retrying (the deferred recipients only, for a result) may succeed.</returns>
    public static bool IsTransient(Outcome<SendResult> outcome) =>
        outcome.Exception is { } exception
            ? IsTransient(exception)
            : outcome.Result is { } result && result.RejectedRecipients.Any(r => r.IsTransient);

    /// <summary>Gets a value indicating whether the server asks the client to slow down (e.g. <c>454 4.7.0 Too many login attempts</c>, or a 421/432/451 reply about a rate limit), so retries should wait longer.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> for a throttling reply.</returns>
    public static bool IsThrottling(EmailSendException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = exception.ServerText ?? exception.Message;
        var mentionsRate = Array.Exists(ThrottlingWords, w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
        return exception.StatusCode switch
        {
            454 => exception.EnhancedStatusCode is "4.7.0" || mentionsRate,
            421 or 432 or 450 or 451 or 452 => mentionsRate,
            _ => false,
        };
    }

    private static bool IsTransientError(EmailSendException error)
    {
        if (error.MayHaveBeenAccepted || error.Kind is EmailErrorKind.DeliveryUncertain or EmailErrorKind.InvalidMessage or EmailErrorKind.Configuration)
        {
            return false;
        }

        if (error.StatusCode is >= 500)
        {
            return false;
        }

        // 454 (temporary) may be retried; a refusal without a 4xx code (535, 530) never is, so an account is not locked.
        if (error.Kind == EmailErrorKind.AuthenticationFailed && error.StatusCode is not (>= 400 and < 500))
        {
            return false;
        }

        return error.IsTransient;
    }
}
