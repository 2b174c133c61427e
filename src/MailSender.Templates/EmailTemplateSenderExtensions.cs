using System.Globalization;
using MailSender.Internal;

namespace MailSender.Templates;

/// <summary>Renders a template and sends it in one call.</summary>
public static class EmailTemplateSenderExtensions
{
    /// <summary>
    /// Renders the template <paramref name="name"/> and sends it to <paramref name="to"/> through <paramref name="sender"/>.
    /// With an outbox that queues sends, the rendered message is what is stored, never the model.
    /// </summary>
    /// <param name="sender">The sender: the application's <see cref="IEmailSender"/>, a named one, or an outbox's.</param>
    /// <param name="templates">The templates.</param>
    /// <param name="name">The template's name, for example <c>welcome</c>.</param>
    /// <param name="model">The model: any object, a dictionary, or a <see cref="System.Text.Json.JsonElement"/>.</param>
    /// <param name="to">The recipients, one address or a comma-separated list (<c>Ana &lt;ana@example.com&gt;, bo@example.com</c>).</param>
    /// <param name="culture">The culture for dates, numbers and the localised variant; <see langword="null"/> for the configured default.</param>
    /// <param name="cancellationToken">Cancels the rendering and the send.</param>
    /// <returns>The sender's result.</returns>
    /// <exception cref="EmailTemplateException">The template is missing or fails to parse or render; nothing was sent.</exception>
    /// <exception cref="EmailSendException">The send failed, or an address is invalid.</exception>
    public static async Task<SendResult> SendTemplateAsync(
        this IEmailSender sender,
        IEmailTemplates templates,
        string name,
        object? model,
        string to,
        CultureInfo? culture = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(to);

        // The addresses first: a bad one fails before any rendering work.
        var recipients = AddressParser.ParseList(to, "to");
        var message = await templates.RenderAsync(name, model, culture, cancellationToken).ConfigureAwait(false);
        message.To.AddRange(recipients);
        return await sender.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
