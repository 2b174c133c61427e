using MailSender.Templates.Razor.Rendering;

namespace MailSender.Templates.Razor.Tests.Rendering;

public class RenderedMailTests
{
    private const string Describe = "Razor template 't' (App.T)";

    [Fact]
    public void Split_Markers_RemovedAndTheRestKeptByteForByte()
    {
        const string Html = "<html><head><title>T</title></head><body>\n  <mailsender-subject>Hi &amp; <b>bye</b></mailsender-subject>\n  <p a=\"1\">x</p><mailsender-text>Line 1\nLine 2</mailsender-text></body></html>";

        var (subject, html, text) = RenderedMail.Split(Html, "t", Describe);

        Assert.Equal("Hi & bye", subject);
        Assert.Equal("<html><head><title>T</title></head><body>\n  \n  <p a=\"1\">x</p></body></html>", html);
        Assert.Equal("Line 1\nLine 2", text);
    }

    [Fact]
    public void Split_TitleWithAttributes_Used()
    {
        var (subject, _, text) = RenderedMail.Split("<title lang=\"fr\">\n Bonjour &eacute;t&#xE9;\n</title><p>x</p>", "t", Describe);

        Assert.Equal("Bonjour été", subject);
        Assert.Null(text);
    }

    [Fact]
    public void Split_SubjectTwice_Throws()
    {
        var error = Assert.Throws<EmailTemplateException>(
            () => RenderedMail.Split("<mailsender-subject>a</mailsender-subject><mailsender-subject>b</mailsender-subject>", "t", Describe));

        Assert.Equal("Razor template 't' (App.T) renders <EmailSubject> more than once: a message has one.", error.Message);
    }

    [Fact]
    public void Split_EmptySubject_Throws()
    {
        var error = Assert.Throws<EmailTemplateException>(
            () => RenderedMail.Split("<title>T</title><mailsender-subject> </mailsender-subject>", "t", Describe));

        Assert.Contains("gives an empty <EmailSubject>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_TextWithBreaksAndBlankLines_KeepsLinesTrimsEdges()
    {
        var (_, _, text) = RenderedMail.Split(
            "<title>T</title><mailsender-text>\n\n    a<br>    b  \n\n      c\n    </mailsender-text>", "t", Describe);

        Assert.Equal("a\nb\n\n  c", text);
    }
}
