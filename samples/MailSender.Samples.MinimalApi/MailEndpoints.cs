using MailSender.Outbox;

namespace MailSender.Samples.MinimalApi;

/// <summary>What the endpoints do with a send request. A failure throws <see cref="EmailSendException"/>, which AddMailSenderProblemDetails answers.</summary>
internal static class MailEndpoints
{
    /// <summary>Sends the message and waits for the server: 200 with what it accepted.</summary>
    public static async Task<IResult> SendAsync(IEmailSender email, SendRequest request, CancellationToken cancellationToken)
    {
        var result = await email.SendAsync(request.To, request.Subject, request.Text, request.Html, cancellationToken);
        return Results.Ok(new { result.MessageId, result.Transport, result.AcceptedRecipients, result.RejectedRecipients });
    }

    /// <summary>Enqueues the message: 202 with the outbox id once it is committed; bad input is a 400 as for a send.</summary>
    public static async Task<IResult> EnqueueAsync(IEmailOutbox outbox, SendRequest request, CancellationToken cancellationToken)
    {
        var id = await outbox.EnqueueAsync(request.To, request.Subject, request.Text, request.Html, options: null, cancellationToken);
        return Results.Accepted($"/outbox/{id}", new { id, state = "queued" });
    }
}
