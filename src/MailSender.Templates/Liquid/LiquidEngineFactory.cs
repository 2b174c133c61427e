using Microsoft.Extensions.FileProviders;

namespace MailSender.Templates.Liquid;

/// <summary>Builds the Liquid engine from the options (the template folder) and the sources the builder added.</summary>
internal static class LiquidEngineFactory
{
    public static LiquidTemplateEngine Create(EmailTemplateOptions options, IEnumerable<TemplateFileSource> added)
    {
        var sources = new List<TemplateFileSource>();
        PhysicalFileProvider? folder = null;
        if (options.Directory is { Length: > 0 } directory)
        {
            var root = ResolveDirectory(directory)
                ?? throw new EmailTemplateException(
                    directory,
                    $"The template folder MailSender:Templates:Directory '{directory}' does not exist (looked in {Path.GetFullPath(directory)} and {Path.Combine(AppContext.BaseDirectory, directory)}). Create it, or copy the templates to the output folder (CopyToOutputDirectory in the project file).");
            folder = new PhysicalFileProvider(root);
            sources.Add(new TemplateFileSource(folder, "the folder " + root));
        }

        sources.AddRange(added);
        return new LiquidTemplateEngine(new TemplateFiles(sources), options, folder);
    }

    /// <summary>A relative folder is looked for in the current directory (the content root under ASP.NET Core), then beside the application.</summary>
    internal static string? ResolveDirectory(string directory)
    {
        if (Path.IsPathRooted(directory))
        {
            return Directory.Exists(directory) ? Path.GetFullPath(directory) : null;
        }

        foreach (var candidate in new[] { Path.GetFullPath(directory), Path.Combine(AppContext.BaseDirectory, directory) })
        {
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
