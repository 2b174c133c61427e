using System.Globalization;
using MimeKit;

namespace MailSender.Templates;

/// <summary>
/// Renders named templates into messages ready to send: subject, HTML, a text part (from the template or made from the
/// HTML), inline images. Register it with <c>services.AddMailSenderTemplates(...)</c>; send the result with any
/// <see cref="IEmailSender"/>, or use <see cref="EmailTemplateSenderExtensions.SendTemplateAsync"/>.
/// </summary>
public interface IEmailTemplates
{
    /// <summary>Renders the template <paramref name="name"/> into a new message with no recipients yet.</summary>
    /// <param name="name">The template's name, for example <c>welcome</c>.</param>
    /// <param name="model">The model: any object, a dictionary, or a <see cref="System.Text.Json.JsonElement"/>.</param>
    /// <param name="culture">The culture for dates, numbers and the localised variant; <see langword="null"/> for the configured default.</param>
    /// <param name="cancellationToken">Cancels the rendering.</param>
    /// <returns>The message: subject, body, no sender or recipients (the sender's defaults and the caller fill those).</returns>
    /// <exception cref="EmailTemplateException">No engine has the template, or it fails to parse or render.</exception>
    Task<MimeMessage> RenderAsync(string name, object? model, CultureInfo? culture = null, CancellationToken cancellationToken = default);
}
