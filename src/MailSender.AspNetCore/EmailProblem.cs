using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace MailSender.AspNetCore;

/// <summary>
/// What a failed send becomes in an HTTP response: the status, a fixed sentence for the kind of error, and how long to wait.
/// Built from the error's kind and transience only, never from its text, so nothing the server or transport said leaks.
/// </summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Title">The problem's title, or <see langword="null"/> for ASP.NET Core's default for the status.</param>
/// <param name="Detail">A fixed sentence for the kind of error, or <see langword="null"/> to disclose nothing (500).</param>
/// <param name="IsTransient">Whether the client may try again later without risking a duplicate.</param>
/// <param name="RetryAfter">The wait to send as <c>Retry-After</c>, or <see langword="null"/> for none.</param>
internal sealed record EmailProblem(int StatusCode, string? Title, string? Detail, bool IsTransient, TimeSpan? RetryAfter)
{
    private const string NotSent = "The e-mail could not be sent.";

    /// <summary>Gets a value indicating whether the body names the kind of error (everything but a 500: the application's own fault is its business).</summary>
    public bool DisclosesKind => StatusCode != StatusCodes.Status500InternalServerError;

    public static EmailProblem For(EmailSendException error, TimeSpan defaultRetryAfter)
    {
        // The one predicate MailSender retries by: never a 5xx reply, refused credentials, or anything that may already have been accepted.
        var transient = EmailResiliencePredicates.IsTransient(error);
        TimeSpan? retryAfter = transient ? RetryAfterOf(error) ?? defaultRetryAfter : null;
        return error.Kind switch
        {
            EmailErrorKind.InvalidMessage => new(StatusCodes.Status400BadRequest, "The e-mail is invalid.", "The e-mail is invalid: check its addresses, headers and attachments.", false, null),

            // Well-formed, but refused on purpose: by the application, or by the server for addresses that do not exist.
            EmailErrorKind.Vetoed => new(StatusCodes.Status422UnprocessableEntity, "The e-mail was refused.", "The application refused to send this e-mail.", false, null),
            EmailErrorKind.RecipientsRejected when !transient && EveryRecipientAddressRefused(error) =>
                new(StatusCodes.Status422UnprocessableEntity, "The e-mail was refused.", "The mail server refused every recipient: the addresses do not exist or cannot receive mail.", false, null),

            // The application's own fault: nothing about it is the client's business.
            EmailErrorKind.Configuration => new(StatusCodes.Status500InternalServerError, null, null, false, null),
            EmailErrorKind.StorageFailed when !transient => new(StatusCodes.Status500InternalServerError, null, null, false, null),

            EmailErrorKind.Timeout => new(StatusCodes.Status504GatewayTimeout, NotSent, DetailFor(error.Kind), transient, retryAfter),
            _ when transient => new(StatusCodes.Status503ServiceUnavailable, NotSent, DetailFor(error.Kind), true, retryAfter),
            _ => new(StatusCodes.Status502BadGateway, NotSent, DetailFor(error.Kind), false, null),
        };
    }

    /// <summary>Formats a wait as <c>Retry-After</c> delta-seconds: whole seconds, rounded up, at least 1.</summary>
    public static string FormatRetryAfter(TimeSpan wait) =>
        Math.Max(1L, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string DetailFor(EmailErrorKind kind) => kind switch
    {
        EmailErrorKind.ConnectionFailed => "The mail server could not be reached.",
        EmailErrorKind.TlsFailed => "A secure connection to the mail server could not be established.",
        EmailErrorKind.AuthenticationFailed => "The mail server refused the application's credentials.",
        EmailErrorKind.SenderRejected => "The mail server refused the sender.",
        EmailErrorKind.RecipientsRejected => "The mail server refused the recipients.",
        EmailErrorKind.MessageTooLarge => "The e-mail is larger than the mail server accepts.",
        EmailErrorKind.MessageRejected => "The mail server refused the e-mail.",
        EmailErrorKind.ServerBusy => "The mail server is busy or limiting how fast it accepts mail.",
        EmailErrorKind.Timeout => "The mail server did not answer in time.",
        EmailErrorKind.ProtocolError => "The mail server broke the protocol or closed the connection.",
        EmailErrorKind.UnsupportedByServer => "The mail server does not support what this e-mail needs.",
        EmailErrorKind.DeliveryUncertain => "The connection failed after the e-mail was handed over: it may have been sent, so do not send it again without checking.",
        EmailErrorKind.StorageFailed => "The e-mail could not be stored for sending.",
        _ => NotSent,
    };

    /// <summary>
    /// Whether the server refused every recipient permanently with an enhanced status saying the address is at fault
    /// (X.1.1 no such mailbox, X.1.2 no such domain, X.1.3 bad syntax, X.1.6 moved, X.1.10 null MX). A bare 550, a relay
    /// denial (5.7.1) or a full mailbox (5.2.2) is the server's or the recipient's business, not the client's: 502.
    /// </summary>
    private static bool EveryRecipientAddressRefused(EmailSendException error) =>
        error.Recipients.Count > 0
            ? error.Recipients.All(r => !r.IsTransient && IsAddressStatus(r.EnhancedStatusCode))
            : IsAddressStatus(error.EnhancedStatusCode);

    private static bool IsAddressStatus(string? enhancedStatusCode) =>
        enhancedStatusCode is "5.1.1" or "5.1.2" or "5.1.3" or "5.1.6" or "5.1.10";

    /// <summary>How long the failure itself says to wait: an open circuit (until it half-opens) or a rate limiter that knows.</summary>
    private static TimeSpan? RetryAfterOf(EmailSendException error)
    {
        // A retried failure wraps the last attempt's, which wraps Polly's rejection: look down the whole chain.
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BrokenCircuitException { RetryAfter: { } wait } when wait > TimeSpan.Zero:
                    return wait;
                case RateLimiterRejectedException { RetryAfter: { } wait } when wait > TimeSpan.Zero:
                    return wait;
            }
        }

        return null;
    }
}
