using System.Globalization;
using MailSender.Outbox;
using MailSender.Templates;

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

    /// <summary>
    /// Renders the template <c>welcome</c> (Templates/welcome.liquid, or welcome.fr.liquid for French) and sends it: 200
    /// with what the server accepted. A bad address is a 400 as for a send, and nothing is rendered; an unknown culture
    /// is a 400 naming the field.
    /// </summary>
    public static async Task<IResult> WelcomeAsync(IEmailSender email, IEmailTemplates templates, WelcomeRequest request, CancellationToken cancellationToken)
    {
        CultureInfo? culture = null;
        if (request.Culture is { Length: > 0 } name)
        {
            try
            {
                culture = CultureInfo.GetCultureInfo(name, predefinedOnly: true);
            }
            catch (CultureNotFoundException)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["culture"] = ["Unknown culture; use a name such as 'fr' or 'en-GB'."] });
            }
        }

        // The model the templates read: {{ user.name }}, {{ product }}, {{ link }}.
        var model = new { Product = "Sample App", User = new { request.Name, request.Email }, Link = "https://app.example.com/start" };
        var result = await email.SendTemplateAsync(templates, "welcome", model, request.Email, culture, cancellationToken);
        return Results.Ok(new { result.MessageId, result.Transport, result.AcceptedRecipients, result.RejectedRecipients });
    }

    /// <summary>Enqueues the message: 202 with the outbox id once it is committed; bad input is a 400 as for a send.</summary>
    public static async Task<IResult> EnqueueAsync(IEmailOutbox outbox, SendRequest request, CancellationToken cancellationToken)
    {
        var id = await outbox.EnqueueAsync(request.To, request.Subject, request.Text, request.Html, options: null, cancellationToken);
        return Results.Accepted($"/outbox/{id}", new { id, state = "queued" });
    }
}
