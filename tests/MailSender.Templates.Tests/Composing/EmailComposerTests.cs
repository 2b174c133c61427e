using System.Text.RegularExpressions;
using MailSender.Templates.Composing;
using MimeKit;

namespace MailSender.Templates.Tests.Composing;

public sealed partial class EmailComposerTests
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
    private static readonly byte[] Gif = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 4, 5, 6];

    // As on the wire: CRLF line breaks, whatever the platform.
    private static readonly FormatOptions Wire = new() { NewLineFormat = NewLineFormat.Dos };

    [Fact]
    public void Compose_NoImages_IsAlternativeOfTextAndHtml()
    {
        var html = "<p>Hello <b>Ana</b></p>";

        var message = Reload(Compose(new EmailTemplateOptions(), Content(html)));

        Assert.Equal("Welcome", message.Subject);
        Assert.Equal("multipart/alternative(text/plain,text/html)", Structure(message.Body));
        Assert.Equal("Hello Ana\n", Normalize(message.TextBody));
        // Nothing to change: the HTML is sent exactly as rendered, not re-serialised.
        Assert.Equal(html, message.HtmlBody);
    }

    [Fact]
    public void Compose_TextGivenByTheTemplate_IsUsedAsIs()
    {
        var message = Reload(Compose(new EmailTemplateOptions(), Content("<p>html</p>", text: "The text\nversion\n")));

        Assert.Equal("multipart/alternative(text/plain,text/html)", Structure(message.Body));
        Assert.Equal("The text\nversion\n", Normalize(message.TextBody));
    }

    [Fact]
    public void Compose_TextFromHtmlOff_IsHtmlOnly()
    {
        var composed = Compose(new EmailTemplateOptions { TextFromHtml = false }, Content("<p>Hi</p>"));
        var message = Reload(composed);

        Assert.Equal("text/html", Structure(message.Body));
        Assert.Equal("<p>Hi</p>", composed.HtmlBody);
        var part = Assert.IsType<TextPart>(message.Body);
        Assert.Equal("utf-8", part.ContentType.Charset, ignoreCase: true);
    }

    [Fact]
    public void Compose_NonAsciiAndLongLines_AreEncodedSafely()
    {
        var html = "<p>" + string.Concat(Enumerable.Repeat("Grüße aus Köln, ", 40)) + "</p>\r<p>bare CR above</p>";

        var composed = Compose(new EmailTemplateOptions(), Content(html));
        var message = Reload(composed);

        foreach (var part in composed.BodyParts.OfType<TextPart>())
        {
            Assert.True(part.ContentTransferEncoding is ContentEncoding.QuotedPrintable or ContentEncoding.Base64, part.ContentTransferEncoding.ToString());
        }

        Assert.Equal(html, composed.HtmlBody);
        Assert.Equal(html, message.HtmlBody);
        Assert.DoesNotMatch(BareLineBreak(), Serialize(composed));
    }

    [Fact]
    public void Compose_InlineImages_AreRelatedPartsAndEveryReferencePointsAtThem()
    {
        var images = new ImageFiles(("logo.png", Png), ("img/divider.gif", Gif));
        var html = """
            <table background="cid:img/divider.gif"><tr><td>
            <img src="cid:logo.png" alt="Acme"> <img src="CID:/logo.png" alt="Acme again"> <img src="cid:img/divider.gif" alt="">
            <img src="https://acme.example/remote.png" alt="remote">
            </td></tr></table>
            """;

        var composed = Compose(new EmailTemplateOptions(), Content(html, images: images));
        var message = Reload(composed);

        // The images in order of first reference: the table's background comes first.
        Assert.Equal("multipart/related(multipart/alternative(text/plain,text/html),image/gif,image/png)", Structure(message.Body));
        var related = Assert.IsType<MultipartRelated>(message.Body);
        Assert.Equal("multipart/alternative", related.ContentType.Parameters["type"]);
        var gif = Assert.IsType<MimePart>(related[1]);
        var png = Assert.IsType<MimePart>(related[2]);
        Assert.Equal(Png, Bytes(png));
        Assert.Equal(Gif, Bytes(gif));
        Assert.Equal("logo.png", png.FileName);
        Assert.Equal("divider.gif", gif.FileName);
        foreach (var image in new[] { png, gif })
        {
            Assert.Equal(ContentDisposition.Inline, image.ContentDisposition!.Disposition);
            Assert.Equal(ContentEncoding.Base64, image.ContentTransferEncoding);
            Assert.EndsWith("@mailsender", image.ContentId, StringComparison.Ordinal);
        }

        Assert.NotEqual(png.ContentId, gif.ContentId);
        var cids = CidReference().Matches(message.HtmlBody ?? string.Empty).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(new[] { gif.ContentId, png.ContentId, png.ContentId, gif.ContentId }, cids);
        Assert.Contains("https://acme.example/remote.png", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("logo.png", message.HtmlBody, StringComparison.Ordinal);
        Assert.Equal("[Acme] [Acme again] [remote]\n", Normalize(message.TextBody));
        // Each image is read once, however often it is referenced.
        Assert.Equal(1, images.Opens("logo.png"));
        Assert.Equal(1, images.Opens("img/divider.gif"));
    }

    [Fact]
    public void Compose_InlineImages_OnlyTheReferencesChangeInTheHtml()
    {
        var images = new ImageFiles(("logo.png", Png), ("bg.gif", Gif));
        var html = "<P>Hi &amp; welcome, <a href=\"https://x.example/?a=1&b=2\">go</a>\r\n" +
            "<IMG alt=logo SRC=cid:logo.png width=10><img src = 'CID:logo.png' src=\"cid:ignored.png\">\r\n" +
            "<table background=\" cid:bg.gif \" data-x='cid:not-an-image'><tr><td>&copy;</td></tr></table>";

        var composed = Compose(new EmailTemplateOptions(), Content(html, images: images));

        var ids = composed.BodyParts.OfType<MimePart>().Where(p => p.ContentId is not null).ToDictionary(p => p.FileName!, p => p.ContentId);
        var expected = "<P>Hi &amp; welcome, <a href=\"https://x.example/?a=1&b=2\">go</a>\r\n" +
            $"<IMG alt=logo SRC=cid:{ids["logo.png"]} width=10><img src = 'cid:{ids["logo.png"]}' src=\"cid:ignored.png\">\r\n" +
            $"<table background=\"cid:{ids["bg.gif"]}\" data-x='cid:not-an-image'><tr><td>&copy;</td></tr></table>";
        // The content itself: TextPart.Text would turn CRLF into LF.
        var htmlPart = composed.BodyParts.OfType<TextPart>().Single(p => p.IsHtml);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(Bytes(htmlPart)));
        Assert.Equal(2, ids.Count);
    }

    [Fact]
    public void Compose_InlineImageReferenceWrittenWithAnEntity_IsStillRewritten()
    {
        // Not found as written in the source: the document is serialised instead. (The comment puts "cid:" in the HTML,
        // without which it is not even parsed.)
        var html = "<p><!-- cid: images --><img src=\"&#99;id:logo.png\"></p>";

        var composed = Compose(new EmailTemplateOptions(), Content(html, images: new ImageFiles(("logo.png", Png))));

        var id = composed.BodyParts.OfType<MimePart>().Single(p => p.ContentId is not null).ContentId;
        Assert.Equal($"<html><head></head><body><p><!-- cid: images --><img src=\"cid:{id}\"></p></body></html>", composed.HtmlBody);
    }

    [Fact]
    public void Compose_InlineImagesWithoutText_IsRelatedHtmlAndImages()
    {
        var images = new ImageFiles(("logo.png", Png));

        var message = Reload(Compose(new EmailTemplateOptions { TextFromHtml = false }, Content("<img src=\"cid:logo.png\">", images: images)));

        Assert.Equal("multipart/related(text/html,image/png)", Structure(message.Body));
        Assert.Equal("text/html", Assert.IsType<MultipartRelated>(message.Body).ContentType.Parameters["type"]);
    }

    [Fact]
    public void Compose_TwoMessages_NeverShareAContentId()
    {
        var composer = new EmailComposer(new EmailTemplateOptions());
        var content = Content("<img src=\"cid:logo.png\">", images: new ImageFiles(("logo.png", Png)));

        var first = composer.Compose(content, default).BodyParts.OfType<MimePart>().Single(p => p.ContentId is not null);
        var second = composer.Compose(content, default).BodyParts.OfType<MimePart>().Single(p => p.ContentId is not null);

        Assert.NotEqual(first.ContentId, second.ContentId);
    }

    [Fact]
    public void Compose_MissingImage_NamesTheTemplateAndThePath()
    {
        var content = Content("<p><img src=\"cid:logo.png\"><img src=\"cid:missing/banner.png\"></p>", images: new ImageFiles(("logo.png", Png)));

        var exception = Assert.Throws<EmailTemplateException>(() => Compose(new EmailTemplateOptions(), content));

        Assert.Equal("welcome", exception.TemplateName);
        Assert.StartsWith("Template 'welcome' references the image 'cid:missing/banner.png', which is not in ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_ImageWithoutAnImageSource_SaysSo()
    {
        var exception = Assert.Throws<EmailTemplateException>(() => Compose(new EmailTemplateOptions(), Content("<img src=\"cid:logo.png\">")));

        Assert.Equal("Template 'welcome' references the image 'cid:logo.png', which is not in any image source: the template has none.", exception.Message);
    }

    [Fact]
    public void Compose_ImageInAFolder_NamesTheFolder()
    {
        var folder = Directory.CreateTempSubdirectory("mailsender-images-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "logo.png"), Png);
            using var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(folder);

            var message = Compose(new EmailTemplateOptions(), Content("<img src=\"cid:logo.png\">", images: files));
            var exception = Assert.Throws<EmailTemplateException>(() => Compose(new EmailTemplateOptions(), Content("<img src=\"cid:../logo.png\">", images: files)));

            Assert.Equal(Png, Bytes(message.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "image/png")));
            Assert.Contains("which is not in the folder " + folder, exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("Hello\r\nBcc: victim@example.com")]
    [InlineData("Hello\nworld")]
    [InlineData("Hello\rworld")]
    public void Compose_SubjectWithALineBreak_IsRefused(string subject)
    {
        var content = new EmailContent { Subject = subject, Html = "<p>x</p>", TemplateName = "welcome" };

        var exception = Assert.Throws<EmailTemplateException>(() => Compose(new EmailTemplateOptions(), content));

        Assert.Equal("welcome", exception.TemplateName);
        Assert.Contains("Template 'welcome'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("line break, which would inject headers", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_SubjectWithAnotherControlCharacter_IsRefused_ButATabIsFine()
    {
        var bell = new EmailContent { Subject = "Ding\u0007", Html = "<p>x</p>", TemplateName = "welcome" };
        var tab = new EmailContent { Subject = "A\tB", Html = "<p>x</p>", TemplateName = "welcome" };

        Assert.Contains("U+0007", Assert.Throws<EmailTemplateException>(() => Compose(new EmailTemplateOptions(), bell)).Message, StringComparison.Ordinal);
        Assert.Equal("A\tB", Compose(new EmailTemplateOptions(), tab).Subject);
    }

    [Fact]
    public void Compose_InlineCss_MovesRulesIntoStyleAttributesAndKeepsMediaQueries()
    {
        var html = """
            <html><head><style>
            .btn { color: red; }
            @media only screen and (max-width: 480px) { .btn { width: 100% !important; } }
            </style></head>
            <body><a class="btn" href="https://acme.example">Go</a></body></html>
            """;

        var message = Reload(Compose(new EmailTemplateOptions { InlineCss = true }, Content(html)));

        var body = message.HtmlBody;
        Assert.Matches(@"<a class=""btn"" href=""https://acme.example"" style=""color: ?red;?"">Go</a>", body);
        Assert.Matches(@"<style>[\s\S]*@media only screen and \(max-width: 480px\)[\s\S]*</style>", body);
        Assert.Equal("Go (https://acme.example)\n", Normalize(message.TextBody));
    }

    [Fact]
    public void Compose_InlineCss_PreheaderHiddenByAClass_IsNotInTheText()
    {
        var html = "<style>.preheader { display: none; }</style><span class=\"preheader\">Preview only</span><p>Body</p>";

        var message = Compose(new EmailTemplateOptions { InlineCss = true }, Content(html));

        Assert.Equal("Body\n", message.TextBody);
    }

    [Fact]
    public void Compose_InlineCss_LinkedStyleSheet_IsNotDownloaded()
    {
        var html = "<link rel=\"stylesheet\" href=\"styles.css\"><link rel=\"stylesheet\" href=\"https://unreachable.invalid/s.css\"><style>p{margin:0}</style><p>x</p>";

        var message = Compose(new EmailTemplateOptions { InlineCss = true }, Content(html));

        Assert.Contains("<p style=\"margin: 0\">x</p>", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_WrittenTwice_IsTheSameAndPassesTheLineBreakCheck()
    {
        var images = new ImageFiles(("logo.png", Png));
        var composed = Compose(new EmailTemplateOptions { InlineCss = true }, Content("<style>p{color:blue}</style><p>Hi <img src=\"cid:logo.png\" alt=\"logo\"></p>", images: images));

        var first = Serialize(composed);
        var second = Serialize(composed);

        Assert.Equal(first, second);
        Assert.DoesNotMatch(BareLineBreak(), first);
    }

    [Fact]
    public void Compose_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => new EmailComposer(new EmailTemplateOptions()).Compose(Content("<p>x</p>"), cancelled.Token));
    }

    private static EmailContent Content(string html, string? text = null, Microsoft.Extensions.FileProviders.IFileProvider? images = null) =>
        new() { Subject = "Welcome", Html = html, Text = text, TemplateName = "welcome", Images = images };

    private static MimeMessage Compose(EmailTemplateOptions options, EmailContent content) =>
        new EmailComposer(options).Compose(content, CancellationToken.None);

    private static MimeMessage Reload(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(Wire, stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }

    private static string Serialize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(Wire, stream);
        return System.Text.Encoding.Latin1.GetString(stream.ToArray());
    }

    private static string Structure(MimeEntity? entity) => entity switch
    {
        Multipart multipart => multipart.ContentType.MimeType + "(" + string.Join(",", multipart.Select(Structure)) + ")",
        null => "(no body)",
        _ => entity.ContentType.MimeType,
    };

    private static byte[] Bytes(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return stream.ToArray();
    }

    private static string? Normalize(string? text) => text?.Replace("\r\n", "\n", StringComparison.Ordinal);

    [GeneratedRegex(@"cid:([^""'\s>]+)")]
    private static partial Regex CidReference();

    [GeneratedRegex(@"\r(?!\n)|(?<!\r)\n")]
    private static partial Regex BareLineBreak();
}
