using MailSender.Outbox;

namespace MailSender.Samples.MinimalApi;

/// <summary>What the endpoints do with a send request and its outcome.</summary>
internal static partial class MailEndpoints
{
    public static async Task<IResult> SendAsync(IEmailSender email, SendRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            var result = await email.SendAsync(request.To, request.Subject, request.Text, request.Html, cancellationToken);
            return Results.Ok(new { result.MessageId, result.Transport, result.AcceptedRecipients, result.RejectedRecipients });
        }
        catch (EmailSendException e) when (e.Kind == EmailErrorKind.InvalidMessage)
        {
            // Bad input is the caller's problem (400). The message describes the caller's own input, so it is shown.
            return Results.Problem(
                title: e.Message,
                detail: e.Hint,
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["kind"] = e.Kind.ToString(), ["isTransient"] = e.IsTransient });
        }
        catch (EmailSendException e)
        {
            // Anything else is the mail server's or the configuration's (502). The message and hint can hold the SMTP
            // user name, internal host names and recipients from server replies: they go to the log, not to the client.
            LogSendFailed(logger, e, e.Kind);
            return Results.Problem(
                title: "The e-mail could not be sent.",
                statusCode: StatusCodes.Status502BadGateway,
                extensions: new Dictionary<string, object?> { ["kind"] = e.Kind.ToString(), ["isTransient"] = e.IsTransient });
        }
    }

    /// <summary>Enqueues the message: 202 with the outbox id once it is committed; bad input is a 400 as for a send.</summary>
    public static async Task<IResult> EnqueueAsync(IEmailOutbox outbox, SendRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var id = await outbox.EnqueueAsync(request.To, request.Subject, request.Text, request.Html, options: null, cancellationToken);
            return Results.Accepted($"/outbox/{id}", new { id, state = "queued" });
        }
        catch (EmailSendException e) when (e.Kind == EmailErrorKind.InvalidMessage)
        {
            return Results.Problem(title: e.Message, detail: e.Hint, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["kind"] = e.Kind.ToString() });
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Sending the e-mail failed ({Kind}).")]
    private static partial void LogSendFailed(ILogger logger, EmailSendException exception, EmailErrorKind kind);
}
