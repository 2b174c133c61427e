using AngleSharp.Html.Dom;
using Microsoft.Extensions.FileProviders;
using MimeKit;

namespace MailSender.Templates.Composing;

/// <summary>
/// The images a template shows as <c>cid:PATH</c> (in <c>src</c> and <c>background</c> attributes): each distinct PATH is
/// read once from <see cref="EmailContent.Images"/> into an inline part with a fresh Content-ID, and every reference is
/// pointed at that ID.
/// </summary>
internal static class InlineImages
{
    private static readonly string[] Attributes = ["src", "background"];

    /// <summary>Attaches the referenced images and rewrites the references in <paramref name="document"/>.</summary>
    /// <returns>The image parts in order of first reference; empty when the document references none.</returns>
    /// <exception cref="EmailTemplateException">An image is not in the template's image source, or cannot be read.</exception>
    public static List<MimePart> Embed(IHtmlDocument document, EmailContent content, CancellationToken cancellationToken)
    {
        var parts = new List<MimePart>();
        Dictionary<string, MimePart>? byPath = null;
        foreach (var element in document.QuerySelectorAll("[src], [background]"))
        {
            foreach (var name in Attributes)
            {
                var value = element.GetAttribute(name)?.Trim();
                if (value is null || !value.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var path = value[4..];
                if (path.Contains('%', StringComparison.Ordinal))
                {
                    // cid: URLs are %-encoded (RFC 2392): cid:my%20logo.png names "my logo.png".
                    path = Uri.UnescapeDataString(path);
                }

                path = path.TrimStart('/');
                byPath ??= new Dictionary<string, MimePart>(StringComparer.Ordinal);
                if (!byPath.TryGetValue(path, out var part))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    part = Load(content, value, path);
                    byPath.Add(path, part);
                    parts.Add(part);
                }

                element.SetAttribute(name, "cid:" + part.ContentId);
            }
        }

        return parts;
    }

    private static MimePart Load(EmailContent content, string reference, string path)
    {
        var provider = content.Images;
        var file = provider is null || path.Length == 0 ? null : provider.GetFileInfo(path);
        if (file is null || !file.Exists || file.IsDirectory)
        {
            var where = provider is null ? "any image source: the template has none" : Describe(provider);
            throw new EmailTemplateException(content.TemplateName, $"Template '{content.TemplateName}' references the image '{reference}', which is not in {where}.");
        }

        MemoryStream bytes;
        try
        {
            // Read once into memory: images are small, and the message may be written more than once (retries).
            using var stream = file.CreateReadStream();
            bytes = new MemoryStream(file.Length is > 0 and < int.MaxValue ? (int)file.Length : 0);
            stream.CopyTo(bytes);
            bytes.Position = 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EmailTemplateException(content.TemplateName, $"Template '{content.TemplateName}' references the image '{reference}', which could not be read from {Describe(provider!)}: {ex.Message}", ex);
        }

        return new MimePart(MimeTypes.GetMimeType(path))
        {
            Content = new MimeContent(bytes),
            ContentDisposition = new ContentDisposition(ContentDisposition.Inline),
            ContentTransferEncoding = ContentEncoding.Base64,
            // Random: unique across messages and paths, and it reveals neither the host nor the file system.
            ContentId = Guid.NewGuid().ToString("N") + "@mailsender",
            FileName = Path.GetFileName(path),
        };
    }

    private static string Describe(IFileProvider provider) => provider switch
    {
        PhysicalFileProvider physical => "the folder " + physical.Root,
        _ => "the template's image source (" + provider.GetType().Name + ")",
    };
}
