using System.Reflection;
using MailSender.Templates;
using MailSender.Templates.Liquid;
using Microsoft.Extensions.FileProviders;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Liquid template sources: templates as strings, any file provider, embedded resources.</summary>
public static class EmailTemplatesBuilderExtensions
{
    /// <summary>
    /// Adds a Liquid template given as strings, served as <c>NAME.liquid</c> (and <c>NAME.text.liquid</c>). It is parsed
    /// when the application starts.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The template's name, for example <c>welcome</c> or <c>welcome.fr</c> for a French variant.</param>
    /// <param name="subject">The subject template, one line (<c>Welcome, {{ user.name }}</c>).</param>
    /// <param name="html">The HTML body template.</param>
    /// <param name="text">The text body template, or <see langword="null"/> to make the text part from the HTML.</param>
    /// <returns>The builder.</returns>
    public static IEmailTemplatesBuilder AddTemplate(this IEmailTemplatesBuilder builder, string name, string subject, string html, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(html);
        if (name is null || !LiquidTemplateNames.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a template name: a relative path without the extension, for example 'welcome' or 'account/reset'.", nameof(name));
        }

        var files = StringFiles(builder);
        files.Add(name + LiquidTemplateNames.Extension, "{% subject %}" + subject + "{% endsubject %}" + html);
        if (text is not null)
        {
            files.Add(name + LiquidTemplateNames.TextSuffix + LiquidTemplateNames.Extension, text);
        }

        return builder;
    }

    /// <summary>Adds the Liquid templates of a file provider (a folder, a database-backed provider, ...), searched after those added before it.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="files">The provider; its paths are template paths (<c>welcome.liquid</c>, <c>_layouts/main.liquid</c>).</param>
    /// <param name="description">How error messages name it.</param>
    /// <returns>The builder.</returns>
    public static IEmailTemplatesBuilder AddTemplateFiles(this IEmailTemplatesBuilder builder, IFileProvider files, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(files);
        builder.Services.AddSingleton(new TemplateFileSource(files, description ?? files.GetType().Name));
        return builder;
    }

    /// <summary>
    /// Adds the Liquid templates embedded in an assembly (<c>&lt;EmbeddedResource Include="Templates/**/*.liquid" /&gt;</c>),
    /// with the namespace that prefixes their resource names (by default the assembly's name plus <c>.Templates</c>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="assembly">The assembly that embeds the templates.</param>
    /// <param name="baseNamespace">The resource-name prefix of the template folder, for example <c>MyApp.Templates</c>.</param>
    /// <returns>The builder.</returns>
    public static IEmailTemplatesBuilder AddEmbeddedTemplates(this IEmailTemplatesBuilder builder, Assembly assembly, string? baseNamespace = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(assembly);
        baseNamespace ??= assembly.GetName().Name + ".Templates";
        var files = new EmbeddedFileProvider(assembly, baseNamespace);
        if (!files.GetDirectoryContents(string.Empty).Any())
        {
            throw new ArgumentException($"The assembly {assembly.GetName().Name} embeds no resource under '{baseNamespace}.': check the EmbeddedResource items and the namespace.", nameof(baseNamespace));
        }

        builder.Services.AddSingleton(new TemplateFileSource(files, $"the resources {baseNamespace}.* of {assembly.GetName().Name}"));
        return builder;
    }

    private static StringTemplateFiles StringFiles(IEmailTemplatesBuilder builder)
    {
        foreach (var service in builder.Services)
        {
            if (service.ServiceType == typeof(TemplateFileSource) && service.ImplementationInstance is TemplateFileSource { Files: StringTemplateFiles files })
            {
                return files;
            }
        }

        var created = new StringTemplateFiles();
        builder.Services.AddSingleton(new TemplateFileSource(created, "the templates added with AddTemplate"));
        return created;
    }
}
