using System.Net;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace MailSender.Templates.Razor.Rendering;

/// <summary>
/// Splits a component's HTML into subject, HTML body and text body: takes the marker elements of
/// <see cref="EmailSubject"/> and <see cref="EmailText"/> out by string search, so the rest of the HTML stays exactly as
/// the renderer wrote it.
/// </summary>
internal static class RenderedMail
{
    private static readonly char[] LineBreaks = ['\r', '\n'];

    /// <summary>Splits <paramref name="html"/>; <paramref name="describe"/> names the template in error messages.</summary>
    /// <exception cref="EmailTemplateException">No subject, or a marker given twice.</exception>
    public static (string Subject, string Html, string? Text) Split(string html, string templateName, string describe)
    {
        var subjectMarkup = TakeMarker(ref html, RazorMarkers.Subject, nameof(EmailSubject), templateName, describe);
        var textMarkup = TakeMarker(ref html, RazorMarkers.Text, nameof(EmailText), templateName, describe);

        var subject = subjectMarkup is not null ? Collapse(TextOf(subjectMarkup, keepLineBreaks: false)) : TitleOf(html);
        if (string.IsNullOrEmpty(subject))
        {
            var what = subjectMarkup is not null ? "an empty <EmailSubject>" : "no subject";
            throw new EmailTemplateException(
                templateName,
                $"{describe} gives {what}: add <EmailSubject>…</EmailSubject> or a <title>.");
        }

        var text = textMarkup is null ? null : TrimText(TextOf(textMarkup, keepLineBreaks: true));
        return (subject, html, text);
    }

    /// <summary>Removes the one marker element named <paramref name="element"/> and returns its inner markup, or <see langword="null"/>.</summary>
    private static string? TakeMarker(ref string html, string element, string component, string templateName, string describe)
    {
        var open = "<" + element + ">";
        var close = "</" + element + ">";
        var start = html.IndexOf(open, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        // The renderer encodes text, so the closing tag can only come from the marker itself.
        var end = html.IndexOf(close, start + open.Length, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new EmailTemplateException(templateName, $"{describe} renders <{element}> without its end tag.");
        }

        var inner = html.Substring(start + open.Length, end - start - open.Length);
        var rest = string.Concat(html.AsSpan(0, start), html.AsSpan(end + close.Length));
        if (rest.Contains(open, StringComparison.Ordinal))
        {
            throw new EmailTemplateException(templateName, $"{describe} renders <{component}> more than once: a message has one.");
        }

        html = rest;
        return inner;
    }

    /// <summary>The text of the first <c>&lt;title&gt;</c>, decoded, whitespace collapsed; empty when there is none.</summary>
    private static string TitleOf(string html)
    {
        var start = html.IndexOf("<title", StringComparison.OrdinalIgnoreCase);
        while (start >= 0 && start + 6 < html.Length && html[start + 6] is not ('>' or ' ' or '\t' or '\r' or '\n' or '/'))
        {
            start = html.IndexOf("<title", start + 6, StringComparison.OrdinalIgnoreCase);
        }

        if (start < 0)
        {
            return string.Empty;
        }

        var contentStart = html.IndexOf('>', start);
        var end = contentStart < 0 ? -1 : html.IndexOf("</title", contentStart, StringComparison.OrdinalIgnoreCase);
        if (end < 0)
        {
            return string.Empty;
        }

        // <title> holds text only (RCDATA): decoding its entities is all there is to do.
        return Collapse(WebUtility.HtmlDecode(html[(contentStart + 1)..end]));
    }

    /// <summary>The text content of a markup fragment: elements dropped (a <c>&lt;br&gt;</c> as a line break when asked), entities decoded.</summary>
    private static string TextOf(string markup, bool keepLineBreaks)
    {
        if (!markup.Contains('<', StringComparison.Ordinal) && !markup.Contains('&', StringComparison.Ordinal))
        {
            return markup;
        }

        var parser = new HtmlParser();
        var document = parser.ParseDocument(string.Empty);
        var nodes = parser.ParseFragment(markup, document.Body!);
        var text = new StringBuilder(markup.Length);
        foreach (var node in nodes)
        {
            Append(text, node, keepLineBreaks);
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, INode node, bool keepLineBreaks)
    {
        switch (node)
        {
            case IText t:
                text.Append(t.Data);
                break;
            case IElement { LocalName: "br" }:
                text.Append(keepLineBreaks ? '\n' : ' ');
                break;
            case IElement { LocalName: "script" or "style" }:
                break;
            default:
                foreach (var child in node.ChildNodes)
                {
                    Append(text, child, keepLineBreaks);
                }

                break;
        }
    }

    /// <summary>Every run of whitespace (line breaks included) as one space, trimmed.</summary>
    private static string Collapse(string text)
    {
        var result = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = result.Length > 0;
                continue;
            }

            if (space)
            {
                result.Append(' ');
                space = false;
            }

            result.Append(c);
        }

        return result.ToString();
    }

    /// <summary>
    /// Lines as written, without the indentation they share (a .razor file indents its markup), trailing spaces, or blank
    /// lines at the start and end; line breaks as LF.
    /// </summary>
    private static string TrimText(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split(LineBreaks).Select(line => line.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var indent = lines.Where(line => line.Length > 0).Select(line => line.Length - line.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(line => line.Length == 0 ? line : line[indent..]));
    }
}
