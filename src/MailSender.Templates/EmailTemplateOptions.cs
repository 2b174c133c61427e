using System.Globalization;

namespace MailSender.Templates;

/// <summary>Options of <see cref="IEmailTemplates"/> and the Liquid engine, bound from <c>MailSender:Templates</c>.</summary>
public sealed class EmailTemplateOptions
{
    /// <summary>
    /// The folder of Liquid templates (relative paths start from the application's content root or current directory),
    /// or <see langword="null"/> for none. Every template in it is parsed when the application starts.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Whether edits to templates in <see cref="Directory"/> are picked up while the application runs (for development).
    /// Off by default: in production a template is parsed once.
    /// </summary>
    public bool WatchForChanges { get; set; }

    /// <summary>What a missing model value does: fail (the default) or render empty.</summary>
    public MissingValueHandling MissingValues { get; set; } = MissingValueHandling.Error;

    /// <summary>Whether CSS from <c>&lt;style&gt;</c> elements is moved into <c>style</c> attributes (many mail clients ignore <c>&lt;style&gt;</c>). Off by default.</summary>
    public bool InlineCss { get; set; }

    /// <summary>Whether a message whose template has no text body gets a text part made from the HTML (on by default).</summary>
    public bool TextFromHtml { get; set; } = true;

    /// <summary>The culture used when a call names none, as a name (<c>en-US</c>); <see langword="null"/> for the invariant culture.</summary>
    public string? DefaultCulture { get; set; }

    internal CultureInfo ResolveDefaultCulture() =>
        DefaultCulture is { Length: > 0 } name ? CultureInfo.GetCultureInfo(name) : CultureInfo.InvariantCulture;
}
