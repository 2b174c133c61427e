namespace MailSender.Cli.Render;

/// <summary>The JSON document <c>render --json</c> prints.</summary>
/// <param name="Template">The template's name, as given.</param>
/// <param name="Culture">The culture asked for (<c>fr-FR</c>), or <see langword="null"/> for the invariant one.</param>
/// <param name="File">The template file used, relative to the folder (<c>welcome.fr.liquid</c>).</param>
/// <param name="Subject">The rendered subject.</param>
/// <param name="Out">The full path of the .eml file.</param>
/// <param name="Html">The full path of the HTML file, or <see langword="null"/> without <c>--html</c>.</param>
/// <param name="Bytes">The size of the .eml file.</param>
/// <param name="Structure">The MIME tree, e.g. <c>multipart/alternative(text/plain, text/html)</c>.</param>
/// <param name="MessageId">The Message-Id header.</param>
internal sealed record RenderResultDocument(
    string Template,
    string? Culture,
    string? File,
    string Subject,
    string Out,
    string? Html,
    long Bytes,
    string Structure,
    string? MessageId);
