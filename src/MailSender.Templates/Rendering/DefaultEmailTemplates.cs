using System.Globalization;
using MailSender.Templates.Composing;
using MailSender.Templates.Liquid;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Templates.Rendering;

/// <summary>
/// What <see cref="IEmailTemplates"/> resolves to: asks the engines in registration order (Liquid first), then turns
/// the first rendering into a message (text part, CSS, inline images).
/// </summary>
internal sealed class DefaultEmailTemplates(IEnumerable<IEmailTemplateEngine> engines, IOptions<EmailTemplateOptions> options) : IEmailTemplates
{
    private readonly IEmailTemplateEngine[] _engines = engines.ToArray();
    private readonly EmailComposer _composer = new(options.Value);
    private readonly CultureInfo _defaultCulture = options.Value.ResolveDefaultCulture();

    public async Task<MimeMessage> RenderAsync(string name, object? model, CultureInfo? culture = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        culture ??= _defaultCulture;
        foreach (var engine in _engines)
        {
            if (await engine.RenderAsync(name, model, culture, cancellationToken).ConfigureAwait(false) is { } content)
            {
                return _composer.Compose(content, cancellationToken);
            }
        }

        var liquid = _engines.OfType<LiquidTemplateEngine>().FirstOrDefault();
        var where = liquid is null ? string.Empty : " Liquid templates are read from " + liquid.Describe() + $" ({name}.liquid).";
        var others = _engines.Length > (liquid is null ? 0 : 1) ? " No other engine (Razor components added with AddRazorTemplate) has it either." : string.Empty;
        throw new EmailTemplateException(name, $"There is no template named '{name}'.{where}{others}");
    }
}
