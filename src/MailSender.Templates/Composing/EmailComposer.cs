using System.Text;
using AngleSharp;
using AngleSharp.Html;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using AngleSharp.Xhtml;
using MimeKit;

namespace MailSender.Templates.Composing;

/// <summary>
/// Turns rendered <see cref="EmailContent"/> into a <see cref="MimeMessage"/>: checks the subject, inlines CSS, makes the
/// text part from the HTML, attaches the <c>cid:</c> images. The HTML is parsed at most once for all three, and not at
/// all when none of them needs it. It is sent as rendered, except for the rewritten <c>cid:</c> values (replaced in
/// place) or, when CSS is inlined, as PreMailer serialises the document.
/// </summary>
/// <remarks>
/// Structure: <c>multipart/alternative(text/plain, text/html)</c>, or <c>text/html</c> alone when there is no text;
/// with images, that inside <c>multipart/related</c> followed by the images (as RFC 2387 and nodemailer have it).
/// Stateless: one instance serves concurrent renderings.
/// </remarks>
internal sealed class EmailComposer(EmailTemplateOptions options)
{
    private readonly EmailTemplateOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Builds the message for <paramref name="content"/>: subject and body, no addresses.</summary>
    /// <param name="content">What the template engine rendered.</param>
    /// <param name="cancellationToken">Cancels between the steps (parsing, each image, inlining).</param>
    /// <returns>A new message.</returns>
    /// <exception cref="EmailTemplateException">
    /// The subject holds a line break or another control character; an image the HTML references is not in
    /// <see cref="EmailContent.Images"/> or cannot be read; or the CSS cannot be inlined.
    /// </exception>
    public MimeMessage Compose(EmailContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        CheckSubject(content);

        var html = content.Html;
        var text = content.Text;
        var textFromHtml = text is null && _options.TextFromHtml;
        var mayReferenceImages = html.Contains("cid:", StringComparison.OrdinalIgnoreCase);
        List<MimePart>? images = null;

        if (_options.InlineCss || mayReferenceImages || textFromHtml)
        {
            // Source positions let the image references be replaced in the HTML as rendered, leaving the rest untouched.
            var keepSource = mayReferenceImages && !_options.InlineCss;
            using var document = new HtmlParser(new HtmlParserOptions { IsKeepingSourceReferences = keepSource }).ParseDocument(html);
            var rewrites = new List<Rewrite>();
            if (mayReferenceImages)
            {
                images = InlineImages.Embed(document, content, rewrites, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (_options.InlineCss)
            {
                html = InlineCss(document, content.TemplateName);
            }
            else if (rewrites.Count > 0)
            {
                html = InlineImages.RewriteSource(html, rewrites) ?? Serialize(document);
            }

            if (textFromHtml)
            {
                // After inlining, so that a preheader hidden by a class is hidden inline too.
                text = HtmlToText.Convert(document);
            }
        }

        var message = new MimeMessage { Subject = content.Subject };
        MimeEntity body = CreateTextPart("html", html);
        if (text is not null)
        {
            body = new MultipartAlternative { CreateTextPart("plain", text), body };
        }

        if (images is { Count: > 0 })
        {
            var related = new MultipartRelated { Root = body };
            foreach (var image in images)
            {
                related.Add(image);
            }

            body = related;
        }

        message.Body = body;
        return message;
    }

    private static void CheckSubject(EmailContent content)
    {
        var subject = content.Subject ?? throw new EmailTemplateException(content.TemplateName, $"Template '{content.TemplateName}' produced no subject.");
        foreach (var c in subject)
        {
            if (c is '\r' or '\n')
            {
                throw new EmailTemplateException(
                    content.TemplateName,
                    $"Template '{content.TemplateName}' produced a subject with a line break, which would inject headers into the message. Remove CR and LF from the subject and from the model values it shows.");
            }

            if (char.IsControl(c) && c != '\t')
            {
                throw new EmailTemplateException(
                    content.TemplateName,
                    $"Template '{content.TemplateName}' produced a subject with the control character U+{(int)c:X4}, which a header must not hold. Remove it from the subject and from the model values it shows.");
            }
        }
    }

    private static string InlineCss(IHtmlDocument document, string templateName)
    {
        try
        {
            // The <style> elements stay as they are: media queries, :hover and @font-face cannot be inlined, and clients
            // that read <style> apply the same rules. <link> elements are ignored: PreMailer would download them while
            // rendering (and throws on a relative address).
            // Not disposed: that would dispose the document, which the caller still reads for the text part.
            var result = new PreMailer.Net.PreMailer(document).MoveCssInline(
                removeStyleElements: false,
                ignoreElements: "link",
                css: null,
                stripIdAndClassAttributes: false,
                removeComments: false);

            // Warnings (a selector PreMailer cannot match, such as :hover) are not errors: the rule stays in <style>.
            return result.Html;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new EmailTemplateException(templateName, $"Template '{templateName}': its CSS could not be inlined: {ex.Message}", ex);
        }
    }

    private static string Serialize(IHtmlDocument document)
    {
        // The formatter PreMailer picks too: an XHTML document stays XHTML.
        IMarkupFormatter formatter = document.Doctype?.PublicIdentifier?.Contains("XHTML", StringComparison.OrdinalIgnoreCase) == true
            ? XhtmlMarkupFormatter.Instance
            : HtmlMarkupFormatter.Instance;
        return document.ToHtml(formatter);
    }

    private static TextPart CreateTextPart(string subtype, string value)
    {
        var part = new TextPart(subtype);
        part.SetText(Encoding.UTF8, value);
        var encoding = part.GetBestEncoding(EncodingConstraint.SevenBit);
        if (encoding == ContentEncoding.SevenBit && HasBareCarriageReturn(value))
        {
            // Written as is, a bare CR would reach the wire (MimeKit only turns bare LFs into CRLF).
            encoding = ContentEncoding.QuotedPrintable;
        }

        part.ContentTransferEncoding = encoding;
        return part;
    }

    private static bool HasBareCarriageReturn(string value)
    {
        for (var i = value.IndexOf('\r', StringComparison.Ordinal); i >= 0; i = value.IndexOf('\r', i + 1))
        {
            if (i + 1 >= value.Length || value[i + 1] != '\n')
            {
                return true;
            }
        }

        return false;
    }
}
