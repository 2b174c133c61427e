using Microsoft.Extensions.FileProviders;

namespace MailSender.Templates;

/// <summary>
/// What a template engine produced for one message, before it becomes a <see cref="MimeKit.MimeMessage"/>: the subject,
/// the HTML body, and a text body when the template has one (otherwise the text part is made from the HTML).
/// </summary>
public sealed class EmailContent
{
    /// <summary>The rendered subject, plain text (not HTML-encoded). It must not hold CR or LF.</summary>
    public required string Subject { get; init; }

    /// <summary>The rendered HTML body.</summary>
    public required string Html { get; init; }

    /// <summary>The rendered text body, or <see langword="null"/> to make it from <see cref="Html"/>.</summary>
    public string? Text { get; init; }

    /// <summary>The template that produced the content (its name and, when localised, its culture), for error messages.</summary>
    public required string TemplateName { get; init; }

    /// <summary>
    /// Where the images that the HTML references as <c>cid:PATH</c> are read from (PATH is a path in this provider), or
    /// <see langword="null"/> when the template has no image source.
    /// </summary>
    public IFileProvider? Images { get; init; }
}
