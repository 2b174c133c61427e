using MimeKit;

namespace MailSender.Cli.Render;

/// <summary>The HTML body of a rendered message as a browser can show it on its own: each <c>cid:</c> image inlined as a <c>data:</c> URI.</summary>
internal static class HtmlPreview
{
    /// <summary>Returns the HTML part's text with its <c>cid:</c> references replaced, or <see langword="null"/> when the message has no HTML part.</summary>
    public static string? Create(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var html = message.HtmlBody;
        if (html is null)
        {
            return null;
        }

        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            if (part.ContentId is not { Length: > 0 } id || part.Content is null || !html.Contains("cid:" + id, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using var content = new MemoryStream();
            part.Content.DecodeTo(content);
            var uri = $"data:{part.ContentType.MimeType};base64,{Convert.ToBase64String(content.GetBuffer(), 0, (int)content.Length)}";
            html = html.Replace("cid:" + id, uri, StringComparison.OrdinalIgnoreCase);
        }

        return html;
    }
}
