using Microsoft.Extensions.Options;

namespace MailSender.Templates.Liquid;

/// <summary>
/// Parses every Liquid template when the options are validated (at start-up, with <c>ValidateOnStart</c>): a template
/// that does not parse, has no subject, or a template folder that does not exist stops the application from starting,
/// with the file, line and column.
/// </summary>
internal sealed class LiquidTemplateValidation(IEnumerable<TemplateFileSource> added, ValidatedEngine validated) : IValidateOptions<EmailTemplateOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailTemplateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.DefaultCulture is { Length: > 0 } culture && !IsCulture(culture))
        {
            failures.Add($"MailSender:Templates:DefaultCulture '{culture}' is not a culture name (for example en-US or fr).");
        }

        LiquidTemplateEngine? engine = null;
        try
        {
            engine = LiquidEngineFactory.Create(options, added);
            failures.AddRange(engine.ParseAll().Select(failure => failure.Message));
        }
        catch (EmailTemplateException exception)
        {
            failures.Add(exception.Message);
        }

        if (failures.Count > 0 || engine is null)
        {
            engine?.Dispose();
            return ValidateOptionsResult.Fail(failures);
        }

        validated.Offer(options, engine);
        return ValidateOptionsResult.Success;
    }

    private static bool IsCulture(string name)
    {
        try
        {
            _ = System.Globalization.CultureInfo.GetCultureInfo(name, predefinedOnly: true);
            return true;
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            return false;
        }
    }
}
