using System.Globalization;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace MailSender.Templates.Composing;

/// <summary>
/// Makes the text part of a message from its HTML by walking the parsed DOM once: what a reader would see, as plain
/// text. Hidden elements (preheaders) and non-content elements are left out; whitespace collapses as in a browser;
/// blocks become lines, paragraphs and headings are separated by one blank line; links read <c>text (url)</c>; lists,
/// quotes and data tables keep their shape, layout tables (one cell per row, or cells that hold blocks) only their
/// content. Lines are joined with LF (MimeKit writes CRLF) and never wrapped.
/// </summary>
internal sealed class HtmlToText
{
    // Deeper than any real template; past it a subtree is written as flowing text, so a hostile or broken document
    // (thousands of unclosed elements) cannot exhaust the stack.
    private const int MaxDepth = 200;

    private readonly StringBuilder _out = new();
    private readonly List<Prefix> _prefixes = [];
    private int _lineContentStart;
    private bool _lineHasText;
    private bool _any;
    private int _pendingBreaks;
    private int _pendingDepth = int.MaxValue;
    private bool _pendingSpace;
    private int _leadingBreaks;
    private int _textWrites;
    private StringBuilder? _linkText;
    private int _preDepth;
    private int _listDepth;
    private bool _listOrdered;
    private bool _listReversed;
    private int _listCounter;

    /// <summary>Parses <paramref name="html"/> and returns its text.</summary>
    /// <param name="html">An HTML document or fragment; malformed markup is read the way a browser reads it.</param>
    /// <returns>The text, lines joined with LF, ending with one LF; empty when the document shows no text.</returns>
    public static string Convert(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        using var document = new HtmlParser().ParseDocument(html);
        return Convert(document);
    }

    /// <summary>Returns the text of an already parsed <paramref name="document"/> (its body; the head is never text).</summary>
    /// <param name="document">The document.</param>
    /// <returns>The text, lines joined with LF, ending with one LF; empty when the document shows no text.</returns>
    public static string Convert(IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        INode? root = document.Body ?? document.DocumentElement;
        if (root is null)
        {
            return string.Empty;
        }

        var writer = new HtmlToText();
        writer.VisitChildren(root, 0);
        var text = writer.Finish();
        return text.Length == 0 ? text : text + "\n";
    }

    private void VisitChildren(INode node, int depth)
    {
        for (var child = node.FirstChild; child is not null; child = child.NextSibling)
        {
            Visit(child, depth + 1);
        }
    }

    private void Visit(INode node, int depth)
    {
        if (node is IText text)
        {
            if (_preDepth > 0)
            {
                WritePreformatted(text.Data);
            }
            else
            {
                WriteText(text.Data);
            }

            return;
        }

        if (node is not IElement element || IsSkipped(element))
        {
            return;
        }

        if (depth > MaxDepth)
        {
            WriteFlat(element);
            return;
        }

        switch (element.LocalName)
        {
            case "br":
                LineBreak();
                break;
            case "hr":
                RequestBreak(2);
                WriteRaw("----");
                RequestBreak(2);
                break;
            case "img":
                if (element.GetAttribute("alt") is { } alt && !string.IsNullOrWhiteSpace(alt))
                {
                    WriteText("[" + alt.Trim() + "]");
                }

                break;
            case "a":
                VisitLink(element, depth);
                break;
            case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                VisitHeading(element, depth);
                break;
            case "p":
                RequestBreak(2);
                VisitChildren(element, depth);
                RequestBreak(2);
                break;
            case "ul" or "ol" or "menu":
                VisitList(element, depth);
                break;
            case "li":
                VisitListItem(element, depth);
                break;
            case "blockquote":
                RequestBreak(2);
                _prefixes.Add(new Prefix("> ", IsMarker: false));
                VisitChildren(element, depth);
                RequestBreak(2);
                _prefixes.RemoveAt(_prefixes.Count - 1);
                break;
            case "dd":
                RequestBreak(1);
                _prefixes.Add(new Prefix("  ", IsMarker: false));
                VisitChildren(element, depth);
                RequestBreak(1);
                _prefixes.RemoveAt(_prefixes.Count - 1);
                break;
            case "pre" or "listing" or "xmp" or "plaintext":
                RequestBreak(2);
                _preDepth++;
                VisitChildren(element, depth);
                _preDepth--;
                RequestBreak(2);
                break;
            case "table":
                VisitTable(element, depth);
                break;
            default:
                var breaks = BlockBreaks(element.LocalName);
                RequestBreak(breaks);
                VisitChildren(element, depth);
                RequestBreak(breaks);
                break;
        }
    }

    private static bool IsSkipped(IElement element) =>
        element.LocalName is "head" or "script" or "style" or "template" or "title" or "meta" or "link" or "base"
            or "noframes" or "noembed" or "iframe" or "object" or "svg" or "math" or "input" or "select" or "textarea"
        || IsHidden(element);

    /// <summary>Whether the element is hidden with the <c>hidden</c> attribute or an inline <c>display: none</c> (the last <c>display</c> wins).</summary>
    internal static bool IsHidden(IElement element)
    {
        if (element.HasAttribute("hidden"))
        {
            return true;
        }

        var style = element.GetAttribute("style");
        if (style is null)
        {
            return false;
        }

        var hidden = false;
        var i = 0;
        while ((i = style.IndexOf("display", i, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var start = i;
            i += "display".Length;
            if (start > 0 && style[start - 1] is not (';' or '{' or ' ' or '\t' or '\n' or '\r' or '"' or '\''))
            {
                continue;
            }

            var j = SkipSpaces(style, i);
            if (j >= style.Length || style[j] != ':')
            {
                continue;
            }

            j = SkipSpaces(style, j + 1);
            var end = j;
            while (end < style.Length && style[end] is not (';' or '!' or ' ' or '\t' or '\n' or '\r'))
            {
                end++;
            }

            hidden = style.AsSpan(j, end - j).Equals("none", StringComparison.OrdinalIgnoreCase);
        }

        return hidden;
    }

    private static int SkipSpaces(string value, int index)
    {
        while (index < value.Length && char.IsWhiteSpace(value[index]))
        {
            index++;
        }

        return index;
    }

    private static int BlockBreaks(string name) => name switch
    {
        "address" or "dl" or "figure" or "fieldset" or "details" or "dialog" => 2,
        "div" or "section" or "article" or "aside" or "header" or "footer" or "main" or "nav" or "center" or "body"
            or "html" or "form" or "dt" or "figcaption" or "summary" or "legend" or "caption" or "tr" or "tbody"
            or "thead" or "tfoot" or "hgroup" or "option" or "optgroup" => 1,
        _ => 0,
    };

    private void VisitLink(IElement element, int depth)
    {
        var href = element.GetAttribute("href")?.Trim();
        var outer = _linkText;
        var own = new StringBuilder();
        _linkText = own;
        VisitChildren(element, depth);
        _linkText = outer;
        outer?.Append(own);

        if (string.IsNullOrEmpty(href) || href[0] == '#' || href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        // Whitespace at the end of the link's text belongs after the address: "see <a>this </a>page".
        var spaceAfter = _pendingSpace;
        var text = own.ToString().Trim();
        if (text.Length == 0)
        {
            // A linked image without alt text: the address is all that is left of the link.
            WriteText(href);
        }
        else
        {
            var bare = href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? href["mailto:".Length..] : href;
            if (SameAddress(text, href) || SameAddress(text, bare))
            {
                return;
            }

            _pendingSpace = true;
            WriteWord("(" + href + ")", toLink: false);
        }

        _pendingSpace |= spaceAfter;
    }

    private static bool SameAddress(string text, string url) =>
        text.AsSpan().TrimEnd('/').Equals(url.AsSpan().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private void VisitHeading(IElement element, int depth)
    {
        RequestBreak(2);
        var writes = _textWrites;
        VisitChildren(element, depth);
        var underline = element.LocalName switch { "h1" => '=', "h2" => '-', _ => '\0' };
        if (underline != '\0' && _textWrites != writes && _lineHasText)
        {
            var title = _out.ToString(_lineContentStart, _out.Length - _lineContentStart).TrimEnd();
            var length = new StringInfo(title).LengthInTextElements;
            RequestBreak(1);
            WriteRaw(new string(underline, length));
        }

        RequestBreak(2);
    }

    private void VisitList(IElement element, int depth)
    {
        var nested = _listDepth > 0;
        RequestBreak(nested ? 1 : 2);
        var (ordered, reversed, counter) = (_listOrdered, _listReversed, _listCounter);
        _listOrdered = element.LocalName == "ol";
        _listReversed = _listOrdered && element.HasAttribute("reversed");
        if (TryParseInt(element.GetAttribute("start"), out var start))
        {
            _listCounter = start;
        }
        else if (_listReversed)
        {
            _listCounter = element.Children.Count(static c => c.LocalName == "li");
        }
        else
        {
            _listCounter = 1;
        }

        _listDepth++;
        VisitChildren(element, depth);
        _listDepth--;
        (_listOrdered, _listReversed, _listCounter) = (ordered, reversed, counter);
        RequestBreak(nested ? 1 : 2);
    }

    private void VisitListItem(IElement element, int depth)
    {
        RequestBreak(1);
        string marker;
        if (_listOrdered)
        {
            if (TryParseInt(element.GetAttribute("value"), out var value))
            {
                _listCounter = value;
            }

            marker = _listCounter.ToString(CultureInfo.InvariantCulture) + ". ";
            _listCounter += _listReversed ? -1 : 1;
        }
        else
        {
            marker = "- ";
        }

        _prefixes.Add(new Prefix(marker, IsMarker: true));
        VisitChildren(element, depth);
        RequestBreak(1);
        _prefixes.RemoveAt(_prefixes.Count - 1);
    }

    private static bool TryParseInt(string? value, out int result) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out result);

    private void VisitTable(IElement table, int depth)
    {
        var rows = new List<List<Cell>>();
        foreach (var child in table.Children)
        {
            if (IsSkipped(child))
            {
                continue;
            }

            switch (child.LocalName)
            {
                case "caption":
                    rows.Add([Render(child, depth)]);
                    break;
                case "tr":
                    rows.Add(RenderRow(child, depth));
                    break;
                case "thead" or "tbody" or "tfoot":
                    foreach (var row in child.Children)
                    {
                        if (row.LocalName == "tr" && !IsSkipped(row))
                        {
                            rows.Add(RenderRow(row, depth + 1));
                        }
                    }

                    break;
            }
        }

        var role = table.GetAttribute("role");
        var layout = role is not null && (role.Equals("presentation", StringComparison.OrdinalIgnoreCase) || role.Equals("none", StringComparison.OrdinalIgnoreCase));
        var anyRowWithColumns = false;
        foreach (var row in rows)
        {
            var filled = 0;
            foreach (var cell in row)
            {
                if (cell.Text.Length > 0)
                {
                    filled++;
                    layout |= cell.Text.Contains('\n', StringComparison.Ordinal);
                }
            }

            anyRowWithColumns |= filled > 1;
        }

        if (layout || !anyRowWithColumns)
        {
            // Layout: the cells' content, block after block, as if the table were not there. A layout cell is a box
            // set apart by padding, so it is a paragraph of its own.
            foreach (var row in rows)
            {
                foreach (var cell in row)
                {
                    if (cell.Text.Length > 0)
                    {
                        Embed(cell, minimumBreaks: 2);
                    }
                }
            }

            return;
        }

        // Data: one line per row, cells joined by " | " (empty cells kept in place, trailing ones dropped).
        RequestBreak(2);
        var line = new StringBuilder();
        foreach (var row in rows)
        {
            var last = row.FindLastIndex(static c => c.Text.Length > 0);
            if (last < 0)
            {
                continue;
            }

            line.Clear();
            for (var i = 0; i <= last; i++)
            {
                if (i > 0)
                {
                    line.Append(" | ");
                }

                line.Append(row[i].Text);
            }

            RequestBreak(1);
            WriteRaw(line.ToString().Trim());
        }

        RequestBreak(2);
    }

    private static List<Cell> RenderRow(IElement row, int depth)
    {
        var cells = new List<Cell>();
        foreach (var cell in row.Children)
        {
            if (cell.LocalName is "td" or "th" && !IsSkipped(cell))
            {
                cells.Add(Render(cell, depth + 1));
            }
        }

        return cells;
    }

    private static Cell Render(IElement container, int depth)
    {
        var writer = new HtmlToText();
        writer.VisitChildren(container, depth);
        var text = writer.Finish();
        return new Cell(text, writer._leadingBreaks, writer._pendingBreaks);
    }

    /// <summary>Writes a cell's lines as a block of this text, under this text's quote and list prefixes.</summary>
    private void Embed(Cell cell, int minimumBreaks)
    {
        RequestBreak(Math.Max(cell.LeadingBreaks, minimumBreaks));
        var lines = cell.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                RequestBreak(lines[i].Length == 0 ? 2 : 1);
            }

            if (lines[i].Length > 0)
            {
                WriteRaw(lines[i]);
            }
        }

        RequestBreak(Math.Max(cell.TrailingBreaks, minimumBreaks));
    }

    /// <summary>Past <see cref="MaxDepth"/>: the subtree's visible text as flowing text, walked without recursion.</summary>
    private void WriteFlat(IElement element)
    {
        var stack = new Stack<INode>();
        stack.Push(element);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is IText text)
            {
                WriteText(text.Data);
                continue;
            }

            if (node is IElement child && (IsSkipped(child) || child.LocalName == "br"))
            {
                RequestBreak(child.LocalName == "br" ? 1 : 0);
                continue;
            }

            for (var last = node.LastChild; last is not null; last = last.PreviousSibling)
            {
                stack.Push(last);
            }
        }
    }

    private void RequestBreak(int breaks)
    {
        if (breaks <= 0)
        {
            return;
        }

        _pendingBreaks = Math.Max(_pendingBreaks, breaks);
        _pendingDepth = Math.Min(_pendingDepth, _prefixes.Count);
    }

    /// <summary>A forced line break (<c>br</c>, a newline in <c>pre</c>): a second one in a row makes a blank line.</summary>
    private void LineBreak()
    {
        _pendingBreaks = Math.Min(_pendingBreaks + 1, 2);
        _pendingDepth = Math.Min(_pendingDepth, _prefixes.Count);
    }

    /// <summary>Writes text with whitespace collapsed as a browser does.</summary>
    private void WriteText(string data)
    {
        var i = 0;
        while (i < data.Length)
        {
            if (char.IsWhiteSpace(data[i]))
            {
                _pendingSpace = true;
                i++;
                continue;
            }

            var end = i;
            while (end < data.Length && !char.IsWhiteSpace(data[end]))
            {
                end++;
            }

            WriteWord(data.AsSpan(i, end - i), toLink: true);
            i = end;
        }
    }

    private void WriteWord(ReadOnlySpan<char> word, bool toLink)
    {
        var visible = false;
        foreach (var c in word)
        {
            if (!IsInvisible(c))
            {
                visible = true;
                break;
            }
        }

        if (!visible)
        {
            return;
        }

        BeginContent(toLink);
        foreach (var c in word)
        {
            if (!IsInvisible(c))
            {
                _out.Append(c);
                if (toLink)
                {
                    _linkText?.Append(c);
                }
            }
        }
    }

    // Zero-width characters that preheader padding and soft hyphenation use: nothing a reader sees.
    private static bool IsInvisible(char c) => c is '\u200B' or '\uFEFF' or '\u00AD' or '\u034F' or '\u2060';

    /// <summary>Writes <c>pre</c> text as it is: spaces kept, each newline a line break.</summary>
    private void WritePreformatted(string data)
    {
        var start = 0;
        for (var i = 0; i <= data.Length; i++)
        {
            if (i < data.Length && data[i] is not ('\n' or '\r'))
            {
                continue;
            }

            if (i > start)
            {
                WriteRaw(data.AsSpan(start, i - start));
            }

            if (i < data.Length)
            {
                if (data[i] == '\r' && i + 1 < data.Length && data[i + 1] == '\n')
                {
                    i++;
                }

                LineBreak();
            }

            start = i + 1;
        }
    }

    private void WriteRaw(ReadOnlySpan<char> text)
    {
        BeginContent(toLink: true);
        _out.Append(text);
        _linkText?.Append(text);
    }

    /// <summary>Before visible text: writes the pending line breaks (with their prefixes) or the pending space.</summary>
    private void BeginContent(bool toLink)
    {
        _textWrites++;
        if (!_any)
        {
            // Breaks before the first text are not written, but a table cell reports them to its table.
            _any = true;
            _leadingBreaks = _pendingBreaks;
            ClearPending();
            StartLine();
            return;
        }

        if (_pendingBreaks > 0)
        {
            if (_pendingBreaks > 1)
            {
                _out.Append('\n');
                for (var i = 0; i < Math.Min(_pendingDepth, _prefixes.Count); i++)
                {
                    _out.Append(_prefixes[i].IsMarker ? "  " : _prefixes[i].Text);
                }
            }

            _out.Append('\n');
            if (toLink)
            {
                _linkText?.Append(' ');
            }

            ClearPending();
            StartLine();
            return;
        }

        if (_pendingSpace && _lineHasText)
        {
            _out.Append(' ');
            if (toLink)
            {
                _linkText?.Append(' ');
            }
        }

        _pendingSpace = false;
        _lineHasText = true;
    }

    private void ClearPending()
    {
        _pendingBreaks = 0;
        _pendingDepth = int.MaxValue;
        _pendingSpace = false;
    }

    private void StartLine()
    {
        for (var i = 0; i < _prefixes.Count; i++)
        {
            var prefix = _prefixes[i];
            _out.Append(prefix.Text);
            if (prefix.IsMarker)
            {
                // The marker goes on an item's first line only; the lines after it are indented as far.
                _prefixes[i] = new Prefix("  ", IsMarker: false);
            }
        }

        _lineContentStart = _out.Length;
        _lineHasText = true;
    }

    /// <summary>The text so far: no trailing spaces, no blank line at either end or twice in a row.</summary>
    private string Finish()
    {
        var result = new StringBuilder(_out.Length);
        var blank = 0;
        var start = 0;
        for (var i = 0; i <= _out.Length; i++)
        {
            if (i < _out.Length && _out[i] != '\n')
            {
                continue;
            }

            var end = i;
            while (end > start && char.IsWhiteSpace(_out[end - 1]))
            {
                end--;
            }

            if (end == start)
            {
                blank++;
            }
            else
            {
                if (result.Length > 0)
                {
                    result.Append(blank > 0 ? "\n\n" : "\n");
                }

                result.Append(_out, start, end - start);
                blank = 0;
            }

            start = i + 1;
        }

        return result.ToString();
    }

    private readonly record struct Prefix(string Text, bool IsMarker);

    private readonly record struct Cell(string Text, int LeadingBreaks, int TrailingBreaks);
}
