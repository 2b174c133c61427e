using MailSender.Templates;
using MailSender.Templates.DependencyInjection;
using MailSender.Templates.Liquid;
using MailSender.Templates.Rendering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IEmailTemplates"/> and the Liquid engine.</summary>
public static class EmailTemplatesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IEmailTemplates"/> with the Liquid engine and no template folder: add templates with the
    /// builder (<c>AddTemplate</c>, <c>AddEmbeddedTemplates</c>, <c>AddTemplateFiles</c>) or another engine.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns>A builder that adds template sources and engines.</returns>
    public static IEmailTemplatesBuilder AddMailSenderTemplates(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services);
    }

    /// <summary>
    /// Registers <see cref="IEmailTemplates"/> with the Liquid engine, configured in code. Every template of the folder
    /// and the added sources is parsed when the application starts.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="EmailTemplateOptions"/>, for example the template folder.</param>
    /// <returns>A builder that adds template sources and engines.</returns>
    public static IEmailTemplatesBuilder AddMailSenderTemplates(this IServiceCollection services, Action<EmailTemplateOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddCore(services);
        services.Configure(configure);

        return builder;
    }

    /// <summary>
    /// Registers <see cref="IEmailTemplates"/> with the Liquid engine, configured from a section such as
    /// <c>MailSender:Templates</c> (<c>Directory</c>, <c>WatchForChanges</c>, <c>MissingValues</c>, <c>InlineCss</c>,
    /// <c>TextFromHtml</c>, <c>DefaultCulture</c>).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>A builder that adds template sources and engines.</returns>
    public static IEmailTemplatesBuilder AddMailSenderTemplates(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services);
        services.AddOptions<EmailTemplateOptions>().Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return builder;
    }

    private static EmailTemplatesBuilder AddCore(IServiceCollection services)
    {
        services.AddOptions<EmailTemplateOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailTemplateOptions>, LiquidTemplateValidation>());
        services.TryAddSingleton<ValidatedEngine>();
        services.TryAddSingleton<IEmailTemplates, DefaultEmailTemplates>();

        // The Liquid engine first: engines are asked in registration order.
        if (!services.Any(service => service.ServiceType == typeof(LiquidTemplateEngine)))
        {
            services.AddSingleton(provider =>
            {
                // Creating the options runs the start-up check, which built and parsed an engine: that one is used.
                var options = provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value;
                return provider.GetRequiredService<ValidatedEngine>().Take(options)
                    ?? LiquidEngineFactory.Create(options, provider.GetServices<TemplateFileSource>());
            });
            services.AddSingleton<IEmailTemplateEngine>(provider => provider.GetRequiredService<LiquidTemplateEngine>());
        }

        return new EmailTemplatesBuilder(services);
    }
}
