using System.Globalization;

namespace MailSender.Templates;

/// <summary>
/// A template engine behind <see cref="IEmailTemplates"/>: Liquid (built in), Razor components
/// (MailSender.Templates.Razor), or an application's own. Engines are asked in registration order; the first that knows
/// the name renders it.
/// </summary>
public interface IEmailTemplateEngine
{
    /// <summary>
    /// Renders the template <paramref name="name"/> with <paramref name="model"/> in <paramref name="culture"/>, or returns
    /// <see langword="null"/> when this engine has no template of that name.
    /// </summary>
    /// <param name="name">The template's name, for example <c>welcome</c>.</param>
    /// <param name="model">The model: any object, a dictionary, or a <see cref="System.Text.Json.JsonElement"/>.</param>
    /// <param name="culture">The culture for dates, numbers and the choice of a localised variant.</param>
    /// <param name="cancellationToken">Cancels the rendering.</param>
    /// <exception cref="EmailTemplateException">The template does not parse, or fails while rendering.</exception>
    ValueTask<EmailContent?> RenderAsync(string name, object? model, CultureInfo culture, CancellationToken cancellationToken);
}
