namespace MailSender.Samples.MinimalApi;

/// <summary>What the endpoints do with a send request and its outcome.</summary>
internal static class MailEndpoints
{
    public static async Task<IResult> SendAsync(IEmailSender email, SendRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var result = await email.SendAsync(request.To, request.Subject, request.Text, request.Html, cancellationToken);
            return Results.Ok(new { result.MessageId, result.Transport, result.AcceptedRecipients, result.RejectedRecipients });
        }
        catch (EmailSendException e)
        {
            // Bad input is the caller's problem (400); anything else is the mail server's or the configuration's (502).
            // The exception's text never holds a password, so it can be shown.
            return Results.Problem(
                title: e.Message,
                detail: e.Hint,
                statusCode: e.Kind == EmailErrorKind.InvalidMessage ? StatusCodes.Status400BadRequest : StatusCodes.Status502BadGateway,
                extensions: new Dictionary<string, object?> { ["kind"] = e.Kind.ToString(), ["isTransient"] = e.IsTransient });
        }
    }
}
