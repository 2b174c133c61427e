using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailSender.Templates.Razor.Rendering;

/// <summary>
/// Renders the components registered with <c>AddRazorTemplate</c> with <see cref="HtmlRenderer"/>, which needs no HTTP
/// request: hosted services, outbox workers and console applications can render.
/// </summary>
/// <remarks>
/// Each rendering gets its own DI scope and its own <see cref="HtmlRenderer"/>, both disposed when it ends. A renderer
/// keeps every root component it rendered (and with it the model) until it is disposed, so one renderer per engine would
/// hold every message ever rendered; its dispatcher would also run all renderings one at a time. A renderer of its own
/// also means scoped services (a DbContext) can be injected and <see cref="IDisposable"/> components are disposed.
/// </remarks>
internal sealed class RazorTemplateEngine : IEmailTemplateEngine
{
    private readonly Dictionary<string, RazorTemplate> _templates;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILoggerFactory _loggerFactory;

    public RazorTemplateEngine(IEnumerable<RazorTemplate> templates, IServiceScopeFactory scopes, ILoggerFactory loggerFactory)
    {
        _templates = templates.ToDictionary(template => template.Name, StringComparer.Ordinal);
        _scopes = scopes;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The registered template names.</summary>
    public IReadOnlyCollection<string> Names => _templates.Keys;

    public async ValueTask<EmailContent?> RenderAsync(string name, object? model, CultureInfo culture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(culture);
        if (!_templates.TryGetValue(name, out var template))
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var describe = template.Describe();
        var parameters = ComponentParameters.For(template.Component).Bind(model, name, describe);
        var html = await RenderHtmlAsync(template, parameters, culture, describe, cancellationToken).ConfigureAwait(false);
        var (subject, body, text) = RenderedMail.Split(html, name, describe);
        return new EmailContent
        {
            Subject = subject,
            Html = body,
            Text = text,
            TemplateName = name,
            Images = template.Images,
        };
    }

    private async Task<string> RenderHtmlAsync(RazorTemplate template, ParameterView parameters, CultureInfo culture, string describe, CancellationToken cancellationToken)
    {
        // The culture flows with the ExecutionContext into the renderer's dispatcher and the components' awaits; it is
        // this method's own (an async method's changes to it never reach its caller), restored here all the same.
        var (previousCulture, previousUICulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = culture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var renderer = new HtmlRenderer(scope.ServiceProvider, _loggerFactory);
                await using (renderer.ConfigureAwait(false))
                {
                    // The rendering runs on the renderer's dispatcher: the awaits inside resume there (ConfigureAwait(true)).
                    var html = await renderer.Dispatcher.InvokeAsync(async () =>
                    {
                        var output = await renderer.RenderComponentAsync(template.Component, parameters).ConfigureAwait(true);
                        return output.ToHtmlString();
                    }).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    return html;
                }
            }
        }
        catch (Exception exception) when (exception is not EmailTemplateException && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var (path, line, column) = ExceptionLocation.Find(exception);
            throw new EmailTemplateException(template.Name, $"{describe} failed: {exception.Message}", exception)
            {
                Path = path,
                Line = line,
                Column = column,
            };
        }
        finally
        {
            CultureInfo.CurrentCulture = previousCulture;
            CultureInfo.CurrentUICulture = previousUICulture;
        }
    }
}
