using System.Diagnostics.CodeAnalysis;
using MailSender.Templates;
using MailSender.Templates.Razor.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Razor components as mail templates, rendered with <c>HtmlRenderer</c> (no HTTP request needed).</summary>
public static class RazorEmailTemplatesBuilderExtensions
{
    /// <summary>
    /// Adds the component <typeparamref name="TComponent"/> as the template <paramref name="name"/>. The component gives
    /// its subject with <c>&lt;EmailSubject&gt;</c> (or a <c>&lt;title&gt;</c>) and may give a text body with
    /// <c>&lt;EmailText&gt;</c>.
    /// </summary>
    /// <remarks>
    /// The model becomes the component's parameters: a dictionary's entries; the whole model as the <c>Model</c> parameter
    /// when the component has one of a type the model is; otherwise each public property of the model to the
    /// <c>[Parameter]</c> of the same name (case-insensitive), every property having to match one. Each rendering runs in a
    /// DI scope of its own, in the culture of the call. A Liquid template of the same name wins: engines are asked in
    /// registration order.
    /// </remarks>
    /// <typeparam name="TComponent">The component, for example a <c>Welcome.razor</c>.</typeparam>
    /// <param name="builder">The builder from <c>AddMailSenderTemplates</c>.</param>
    /// <param name="name">The template's name, for example <c>welcome</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A Razor template named <paramref name="name"/> was already added.</exception>
    public static IEmailTemplatesBuilder AddRazorTemplate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TComponent>(
        this IEmailTemplatesBuilder builder,
        string name)
        where TComponent : IComponent =>
        Add(builder, name, typeof(TComponent), images: null);

    /// <summary>
    /// Adds the component <typeparamref name="TComponent"/> as the template <paramref name="name"/>, with the images its
    /// HTML references as <c>cid:PATH</c> read from <paramref name="images"/> and sent inline.
    /// </summary>
    /// <typeparam name="TComponent">The component, for example a <c>Welcome.razor</c>.</typeparam>
    /// <param name="builder">The builder from <c>AddMailSenderTemplates</c>.</param>
    /// <param name="name">The template's name, for example <c>welcome</c>.</param>
    /// <param name="images">
    /// Where <c>cid:</c> images are read from (PATH is a path in it), for example a <see cref="PhysicalFileProvider"/> on a
    /// folder or an <see cref="EmbeddedFileProvider"/>.
    /// </param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A Razor template named <paramref name="name"/> was already added.</exception>
    public static IEmailTemplatesBuilder AddRazorTemplate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TComponent>(
        this IEmailTemplatesBuilder builder,
        string name,
        IFileProvider images)
        where TComponent : IComponent
    {
        ArgumentNullException.ThrowIfNull(images);
        return Add(builder, name, typeof(TComponent), images);
    }

    private static IEmailTemplatesBuilder Add(IEmailTemplatesBuilder builder, string name, Type component, IFileProvider? images)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var services = builder.Services;
        foreach (var service in services)
        {
            if (service.ServiceType == typeof(RazorTemplate) && service.ImplementationInstance is RazorTemplate existing && existing.Name == name)
            {
                throw new ArgumentException(
                    $"A Razor template named '{name}' was already added ({existing.Component.FullName}); {component.FullName} cannot have the same name.",
                    nameof(name));
            }
        }

        services.AddSingleton(new RazorTemplate(name, component, images));
        if (!services.Any(service => service.ServiceType == typeof(RazorTemplateEngine)))
        {
            services.AddSingleton(provider => new RazorTemplateEngine(
                provider.GetServices<RazorTemplate>(),
                provider.GetRequiredService<IServiceScopeFactory>(),
                provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
            services.AddSingleton<IEmailTemplateEngine>(provider => provider.GetRequiredService<RazorTemplateEngine>());
        }

        return builder;
    }
}
