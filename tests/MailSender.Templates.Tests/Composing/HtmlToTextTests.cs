using System.Runtime.CompilerServices;
using MailSender.Templates.Composing;

namespace MailSender.Templates.Tests.Composing;

public sealed class HtmlToTextTests
{
    /// <summary>
    /// Golden/NAME.html must become Golden/NAME.txt exactly. On a mismatch the actual text is written next to the golden
    /// file in the source tree as NAME.actual.txt (ignored by git) for a diff; golden files are never overwritten.
    /// </summary>
    [Theory]
    [InlineData("welcome")]
    [InlineData("layout-tables")]
    [InlineData("order-confirmation")]
    [InlineData("malformed")]
    public void Convert_GoldenFile_MatchesTheExpectedText(string name)
    {
        var golden = Path.Combine(AppContext.BaseDirectory, "Golden");
        var html = File.ReadAllText(Path.Combine(golden, name + ".html"));
        var expectedPath = Path.Combine(golden, name + ".txt");
        var expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath).Replace("\r\n", "\n", StringComparison.Ordinal) : null;

        var actual = HtmlToText.Convert(html);

        var actualPath = Path.Combine(SourceGoldenFolder(), name + ".actual.txt");
        if (actual == expected)
        {
            File.Delete(actualPath);
            return;
        }

        File.WriteAllText(actualPath, actual);
        Assert.Fail(expected is null
            ? $"Golden/{name}.txt does not exist. The actual text is in {actualPath}; review it and rename it to {name}.txt."
            : $"Golden/{name}.txt differs from the actual text ({actualPath}) {FirstDifference(expected, actual)}. Compare with: diff -u Golden/{name}.txt Golden/{name}.actual.txt");
    }

    [Fact]
    public void Convert_ALargeDocument_KeepsEveryRowAndParagraph()
    {
        // 20,000 rows of a data table plus 20,000 paragraphs with links. No clock here: timed assertions fail on a busy
        // machine (this one did, at 5.6 s, during a parallel test run); the conversion's cost is measured in
        // benchmarks/ (TemplateBenchmarks: MailSenderLiquid against MailSenderLiquidTextGiven).
        var html = "<table>" + string.Concat(Enumerable.Repeat("<tr><td>cell <b>one</b></td><td>two</td></tr>", 20_000)) + "</table>" +
            string.Concat(Enumerable.Repeat("<p>Some text with a <a href=\"https://acme.example/x\">link</a> and &amp; entities.</p>", 20_000));

        var text = HtmlToText.Convert(html);

        Assert.StartsWith("cell one | two\ncell one | two\n", text, StringComparison.Ordinal);
        Assert.EndsWith("Some text with a link (https://acme.example/x) and & entities.\n", text, StringComparison.Ordinal);
        Assert.Equal(20_000, CountOf(text, "cell one | two\n"));
        Assert.Equal(20_000, CountOf(text, "(https://acme.example/x)"));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void Convert_DeeplyNestedElements_DoNotOverflowTheStack()
    {
        var html = string.Concat(Enumerable.Repeat("<div><span>", 5_000)) + "deep" + string.Concat(Enumerable.Repeat("</span></div>", 5_000));

        Assert.Equal("deep\n", HtmlToText.Convert(html));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("   \n\t ", "")]
    [InlineData("<p>a</p><p>b</p>", "a\n\nb\n")]
    [InlineData("<div>a</div><div>b</div>", "a\nb\n")]
    [InlineData("a<br>b<br><br><br><br>c", "a\nb\n\nc\n")]
    [InlineData("<b>a</b> <i>b</i><span>c</span>", "a bc\n")]
    [InlineData("<h1>Title</h1><h2>Sub</h2><h3>Small</h3>text", "Title\n=====\n\nSub\n---\n\nSmall\n\ntext\n")]
    [InlineData("<h1>Café ☕</h1>", "Café ☕\n======\n")]
    [InlineData("<a href=\"https://x.example\">https://x.example/</a>", "https://x.example/\n")]
    [InlineData("<a href=\"mailto:a@x.example\">a@x.example</a>", "a@x.example\n")]
    [InlineData("<a href=\"#top\">Top</a> <a href=\"JavaScript:go()\">Go</a>", "Top Go\n")]
    [InlineData("<a href=\"https://x.example\"><img src=\"l.png\"></a>", "https://x.example\n")]
    [InlineData("<ol start=\"9\"><li>a</li><li value=\"20\">b</li><li>c</li></ol>", "9. a\n20. b\n21. c\n")]
    [InlineData("<ol reversed><li>a</li><li>b</li></ol>", "2. a\n1. b\n")]
    [InlineData("<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li><li>d</li></ul>", "- a\n  - b\n    - c\n- d\n")]
    [InlineData("<blockquote><p>a</p><p>b</p></blockquote><p>c</p>", "> a\n>\n> b\n\nc\n")]
    [InlineData("<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n>\n> > b\n")]
    [InlineData("<pre>  a  b\n\n   c</pre>", "  a  b\n\n   c\n")]
    [InlineData("<div style=\"color:red; DISPLAY : none\">x</div>y", "y\n")]
    [InlineData("<div style=\"display:none; display:block\">x</div>", "x\n")]
    [InlineData("<div style=\"mso-hide:all\">x</div>", "x\n")]
    [InlineData("a&nbsp;&nbsp;b &lt;c&gt; &#x1F600;", "a b <c> 😀\n")]
    [InlineData("x\u200B\u00ADy", "xy\n")]
    public void Convert_Snippet(string html, string expected) => Assert.Equal(expected, HtmlToText.Convert(html));

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end of text>";
            var al = i < a.Length ? a[i] : "<end of text>";
            if (el != al)
            {
                return $"at line {i + 1}: expected \"{el}\", actual \"{al}\"";
            }
        }

        return "in line endings";
    }

    /// <summary>The source tree's Golden folder when the tests run where they were built, else the output's.</summary>
    private static string SourceGoldenFolder([CallerFilePath] string path = "")
    {
        var source = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(path)) ?? string.Empty, "Golden");
        return Directory.Exists(source) ? source : Path.Combine(AppContext.BaseDirectory, "Golden");
    }
}
