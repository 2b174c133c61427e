using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MailSender.Templates;
using MailSender.Templates.Liquid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Cli.Render;

/// <summary>
/// The options <c>render</c> and <c>send --template</c> share (<c>--templates</c>, <c>--model</c>, <c>--culture</c>,
/// <c>--missing-values</c>, <c>--inline-css</c>), and the rendering itself through the library's <see cref="IEmailTemplates"/>.
/// </summary>
internal sealed class TemplateArguments
{
    /// <summary>The library's configuration keys in template errors, as the options a CLI user has.</summary>
    private static readonly Output.SettingNames TemplateSettings = Output.SettingNames.Sender
        .With("MailSender:Templates:Directory", "--templates")
        .With("MailSender:Templates:MissingValues", "--missing-values")
        .WithAdvice("set MailSender:Templates:MissingValues=Empty", "pass --missing-values empty");

    private static readonly JsonDocumentOptions ModelParsing = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public Option<string> Templates { get; } = new("--templates")
    {
        Description = $"The template folder (NAME.liquid, NAME.text.liquid, NAME.CULTURE.liquid, _layouts/, _partials/). Default: ${CliDefaults.TemplatesVariable}, else ./{CliDefaults.Templates} in the current directory.",
        HelpName = "DIR",
    };

    public Option<string> Model { get; } = new("--model")
    {
        Description = "The model: a JSON file whose object the template reads ({{ user.name }}); '-' reads it from standard input. Default: an empty object.",
        HelpName = "FILE",
    };

    public Option<string> Culture { get; } = new("--culture")
    {
        Description = "The culture for dates, numbers and the localised variant (NAME.fr.liquid for fr-FR), e.g. fr-FR. Default: the invariant culture.",
        HelpName = "NAME",
    };

    public Option<string> MissingValues { get; } = CreateMissingValues();

    public Option<bool> InlineCss { get; } = new("--inline-css")
    {
        Description = "Move the CSS of <style> elements into style attributes, for mail clients that ignore <style>.",
    };

    /// <summary>Gets every option, to add to a command.</summary>
    public IEnumerable<Option> All => [Templates, Model, Culture, MissingValues, InlineCss];

    /// <summary>
    /// Renders <paramref name="name"/>: finds the folder, reads the model, parses the culture, then asks the library.
    /// Every template of the folder is parsed first, as an application does when it starts.
    /// </summary>
    /// <exception cref="UsageException">The folder does not exist, the model is unreadable or not a JSON object, or the culture is unknown.</exception>
    /// <exception cref="EmailTemplateException">A template is missing, does not parse, or fails to render.</exception>
    public async Task<RenderedTemplate> RenderAsync(string name, ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(context);
        var folder = ResolveFolder(parseResult.GetValue(Templates), context);
        var cultureName = parseResult.GetValue(Culture);
        var culture = cultureName is null ? null : ParseCulture(cultureName);
        using var model = ReadModel(parseResult.GetValue(Model), context);

        var services = new ServiceCollection();
        services.AddMailSenderTemplates(options => Configure(options, folder, parseResult));
        var provider = services.BuildServiceProvider();
        await using (provider.ConfigureAwait(false))
        {
            IEmailTemplates templates;
            try
            {
                templates = provider.GetRequiredService<IEmailTemplates>();
            }
            catch (OptionsValidationException ex)
            {
                // The library parses every template of the folder before the first rendering; each failure names its file, line and column.
                throw new EmailTemplateException(name, string.Join(" ", ex.Failures), ex);
            }

            var message = await templates.RenderAsync(name, model.RootElement, culture ?? CultureInfo.InvariantCulture, cancellationToken).ConfigureAwait(false);
            return new RenderedTemplate(message, folder, culture, FindFile(folder, name, culture ?? CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Sets the library's options from the folder and <c>--missing-values</c>, <c>--inline-css</c>.</summary>
    public void Configure(EmailTemplateOptions options, string folder, ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parseResult);
        options.Directory = folder;
        options.MissingValues = parseResult.GetValue(MissingValues) == "empty" ? MissingValueHandling.Empty : MissingValueHandling.Error;
        options.InlineCss = parseResult.GetValue(InlineCss);
    }

    /// <summary>Returns the error for a template failure: kind <c>Template</c>, exit code 2, the library's advice worded in the CLI's options.</summary>
    /// <remarks>No hint: the library's message already says which file, where, and what to change.</remarks>
    public static Output.CliError ToError(EmailTemplateException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new Output.CliError(Output.CliError.TemplateKind, TemplateSettings.Rename(exception.Message)!, ExitCodes.UsageError);
    }

    private static Option<string> CreateMissingValues()
    {
        var option = new Option<string>("--missing-values")
        {
            Description = "What a value the model lacks does: 'error' (the default) fails naming it, 'empty' renders it as empty text.",
            HelpName = "error|empty",
        };
        option.AcceptOnlyFromAmong("error", "empty");
        return option;
    }

    /// <summary>The folder: <c>--templates</c>, else <c>$MAILSENDER_TEMPLATES</c>, else <c>./templates</c>; it must exist.</summary>
    internal static string ResolveFolder(string? option, CliContext context)
    {
        var variable = context.GetEnvironmentVariable(CliDefaults.TemplatesVariable);
        var (folder, source) = option is not null ? (option, "--templates")
            : !string.IsNullOrWhiteSpace(variable) ? (variable, "$" + CliDefaults.TemplatesVariable)
            : (CliDefaults.Templates, null);
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw new UsageException("--templates needs a folder.");
        }

        string full;
        try
        {
            full = Path.GetFullPath(folder);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"{source ?? "--templates"} '{folder}' is not a folder name: {ex.Message}", innerException: ex);
        }

        if (!Directory.Exists(full))
        {
            throw source is null
                ? new UsageException($"There is no template folder '{CliDefaults.Templates}' in the current directory ({full}).", $"Pass --templates DIR or set {CliDefaults.TemplatesVariable}.")
                : new UsageException($"{source} folder '{folder}' does not exist.", File.Exists(full) ? "It is a file: name the folder that holds the .liquid files." : null);
        }

        return full;
    }

    internal static CultureInfo ParseCulture(string name)
    {
        try
        {
            // Predefined only: any well-formed tag would otherwise pass ("xx-YY"), and a typo would silently use the invariant variant.
            return CultureInfo.GetCultureInfo(name, predefinedOnly: true);
        }
        catch (CultureNotFoundException ex)
        {
            throw new UsageException($"--culture '{name}' is not a culture name.", "Write it as a language (fr) or a language and region (fr-FR, en-US).", ex);
        }
    }

    /// <summary>Reads the model: a file, standard input for <c>-</c>, or an empty object; it must be a JSON object.</summary>
    private static JsonDocument ReadModel(string? path, CliContext context)
    {
        if (path is null)
        {
            return JsonDocument.Parse("{}");
        }

        var (text, what) = path == "-"
            ? (context.Input.ReadToEnd(), "--model (standard input)")
            : (Send.FileArguments.ReadText(path, "--model"), $"--model file '{path}'");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, ModelParsing);
        }
        catch (JsonException ex)
        {
            // JsonException counts from 0 and appends its own "LineNumber: 2 | BytePositionInLine: 4." to the reason.
            var reason = ex.Message;
            var suffix = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = suffix < 0 ? reason : reason[..suffix];
            var at = ex.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {ex.BytePositionInLine + 1}") : string.Empty;
            throw new UsageException($"{what} is not valid JSON{at}: {reason}", "The model is one JSON object, e.g. {\"user\": {\"name\": \"Ann\"}}.", ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            throw new UsageException($"{what} holds a JSON {kind}; the model must be an object.", "Write it as {\"user\": {\"name\": \"Ann\"}}: the template reads {{ user.name }}.");
        }

        return document;
    }

    /// <summary>The file the library chose for <paramref name="culture"/>: the most specific variant that exists, by the library's own naming rule.</summary>
    private static string? FindFile(string folder, string name, CultureInfo culture) =>
        LiquidTemplateNames.CultureChain(culture)
            .Select(candidate => LiquidTemplateNames.HtmlPath(name, candidate))
            .FirstOrDefault(file => File.Exists(Path.Combine(folder, file)));
}

/// <summary>A rendered template: the message (subject and body, no addresses), where it came from and in which culture.</summary>
/// <param name="Message">The message the library composed.</param>
/// <param name="Folder">The template folder, a full path.</param>
/// <param name="Culture">The culture asked for, or <see langword="null"/> for the invariant one.</param>
/// <param name="File">The template file used, relative to <paramref name="Folder"/>, when it could be told.</param>
internal sealed record RenderedTemplate(MimeMessage Message, string Folder, CultureInfo? Culture, string? File);
