using AngleSharp.Dom;
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
    /// <param name="document">The parsed HTML; its references are rewritten.</param>
    /// <param name="content">The rendered content: its template name (for errors) and image source.</param>
    /// <param name="rewrites">Receives each rewritten attribute, for <see cref="RewriteSource"/>.</param>
    /// <param name="cancellationToken">Cancels between images.</param>
    /// <returns>The image parts in order of first reference; empty when the document references none.</returns>
    /// <exception cref="EmailTemplateException">An image is not in the template's image source, or cannot be read.</exception>
    public static List<MimePart> Embed(IHtmlDocument document, EmailContent content, List<Rewrite> rewrites, CancellationToken cancellationToken)
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

                var rewritten = "cid:" + part.ContentId;
                element.SetAttribute(name, rewritten);
                rewrites.Add(new Rewrite(element, name, rewritten));
            }
        }

        return parts;
    }

    /// <summary>
    /// Applies <paramref name="rewrites"/> to the HTML as rendered, replacing only the attribute values, so that the rest
    /// is sent byte for byte as the template produced it (a serialised DOM would add <c>&lt;html&gt;</c>, re-encode
    /// entities and reorder nothing a reader sees, but differ from what the author wrote and tested).
    /// </summary>
    /// <param name="html">The HTML the document was parsed from, with source references kept.</param>
    /// <param name="rewrites">The attributes to change.</param>
    /// <returns>The rewritten HTML, or <see langword="null"/> when an attribute cannot be found in the source (for example, one the parser made up); then the caller serialises the document.</returns>
    public static string? RewriteSource(string html, List<Rewrite> rewrites)
    {
        var edits = new List<(int Start, int Length, string Value)>(rewrites.Count);
        foreach (var rewrite in rewrites)
        {
            var tag = rewrite.Element.SourceReference?.Position.Index ?? -1;
            if (tag < 0 || tag >= html.Length || html[tag] != '<' || !TryFindValue(html, tag, rewrite.Attribute, out var start, out var length) ||
                !html.AsSpan(start, length).Trim().StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            edits.Add((start, length, rewrite.Value));
        }

        edits.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var result = new System.Text.StringBuilder(html.Length + (edits.Count * 48));
        var copied = 0;
        foreach (var (start, length, value) in edits)
        {
            if (start < copied)
            {
                // The same attribute twice (an element the parser duplicated): already replaced.
                continue;
            }

            result.Append(html, copied, start - copied).Append(value);
            copied = start + length;
        }

        return result.Append(html, copied, html.Length - copied).ToString();
    }

    /// <summary>Finds the value of the attribute <paramref name="name"/> in the start tag at <paramref name="tag"/>, as HTML tokenises it.</summary>
    private static bool TryFindValue(string html, int tag, string name, out int start, out int length)
    {
        start = length = 0;
        var i = tag + 1;
        while (i < html.Length && !IsSpace(html[i]) && html[i] is not ('/' or '>'))
        {
            i++;
        }

        while (i < html.Length)
        {
            while (i < html.Length && (IsSpace(html[i]) || html[i] == '/'))
            {
                i++;
            }

            if (i >= html.Length || html[i] == '>')
            {
                return false;
            }

            var nameStart = i++;
            while (i < html.Length && !IsSpace(html[i]) && html[i] is not ('/' or '>' or '='))
            {
                i++;
            }

            var matches = html.AsSpan(nameStart, i - nameStart).Equals(name, StringComparison.OrdinalIgnoreCase);
            var j = i;
            while (j < html.Length && IsSpace(html[j]))
            {
                j++;
            }

            if (j >= html.Length || html[j] != '=')
            {
                if (matches)
                {
                    return false;
                }

                i = j;
                continue;
            }

            j++;
            while (j < html.Length && IsSpace(html[j]))
            {
                j++;
            }

            int valueStart, valueEnd;
            if (j < html.Length && html[j] is '"' or '\'')
            {
                valueStart = j + 1;
                valueEnd = html.IndexOf(html[j], valueStart);
                if (valueEnd < 0)
                {
                    return false;
                }

                i = valueEnd + 1;
            }
            else
            {
                valueStart = valueEnd = j;
                while (valueEnd < html.Length && !IsSpace(html[valueEnd]) && html[valueEnd] != '>')
                {
                    valueEnd++;
                }

                i = valueEnd;
            }

            if (matches)
            {
                // The first of duplicate attributes is the one HTML keeps.
                start = valueStart;
                length = valueEnd - valueStart;
                return true;
            }
        }

        return false;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f';

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

/// <summary>An attribute of an element whose value <see cref="InlineImages"/> replaced.</summary>
internal readonly record struct Rewrite(IElement Element, string Attribute, string Value);
