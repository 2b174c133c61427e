using Polly;
using Polly.Timeout;

namespace MailSender;

/// <summary>
/// Decides which send failures are worth trying again and which say an endpoint is unhealthy. Every part of MailSender
/// that retries, fails over, breaks a circuit or backs off asks these predicates.
/// </summary>
/// <remarks>
/// <para>
/// Transient: a failure whose <see cref="EmailSendException.IsTransient"/> is set (4xx replies such as 421, 450, 451,
/// 452 and 454, refused or reset connections, timeouts before the message was handed over, an exhausted connection
/// pool) and Polly's <see cref="TimeoutRejectedException"/>. Never transient, whatever the exception says: 5xx replies,
/// refused credentials without a 4xx code (retrying them can lock the account), invalid messages, configuration errors,
/// and anything that may already have been accepted (<see cref="EmailErrorKind.DeliveryUncertain"/>,
/// <see cref="EmailSendException.MayHaveBeenAccepted"/>), since sending it again could deliver it twice.
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

    /// <summary>
    /// Gets a value indicating whether a failure says the endpoint itself is unhealthy, so it counts towards opening a circuit:
    /// it could not be reached, timed out, failed TLS, refused the credentials, was busy (4xx) or broke the protocol.
    /// A refused recipient, sender or message says nothing about the endpoint and does not count.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when the failure counts against the endpoint.</returns>
    public static bool IsEndpointFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            TimeoutRejectedException => true,
            EmailSendException error => error.Kind is EmailErrorKind.ConnectionFailed or EmailErrorKind.TlsFailed or EmailErrorKind.AuthenticationFailed
                or EmailErrorKind.ServerBusy or EmailErrorKind.Timeout or EmailErrorKind.ProtocolError or EmailErrorKind.DeliveryUncertain,
            _ => false,
        };
    }

    /// <summary>Gets a value indicating whether the server asks the client to slow down (e.g. <c>454 4.7.0 Too many login attempts</c>, or a 421/432/450/451/452 reply about a rate limit), so retries should wait longer.</summary>
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
        if (!error.IsTransient || error.MayHaveBeenAccepted || error.Kind is EmailErrorKind.DeliveryUncertain or EmailErrorKind.InvalidMessage or EmailErrorKind.Configuration)
        {
            return false;
        }

        if (error.StatusCode is >= 500)
        {
            return false;
        }

        // 454 (temporary) may be retried; a refusal without a 4xx code (535, 530) never is, so an account is not locked.
        return error.Kind != EmailErrorKind.AuthenticationFailed || error.StatusCode is >= 400 and < 500;
    }
}
