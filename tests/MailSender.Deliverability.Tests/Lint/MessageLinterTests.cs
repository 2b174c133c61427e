using MimeKit;

namespace MailSender.Deliverability.Tests.Lint;

public sealed class MessageLinterTests
{
    [Fact]
    public void GoodBulkMessage_HasNoFindings()
    {
        var findings = MessageLinter.Lint(Good(), new MessageLintOptions { Bulk = true });

        Assert.Empty(findings);
    }

    [Fact]
    public void HtmlWithoutText_IsAWarning()
    {
        var message = Good();
        message.Body = new TextPart("html") { Text = "<p>" + string.Join(' ', Enumerable.Repeat("word", 40)) + "</p>" };

        var finding = Assert.Single(MessageLinter.Lint(message));

        Assert.Equal("html-without-text", finding.Check);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.NotNull(finding.Fix);
    }

    [Fact]
    public void BulkWithoutListUnsubscribe_IsAnError_ButTransactionalMailIsFine()
    {
        var message = Good();
        message.Headers.Remove(HeaderId.ListUnsubscribe);
        message.Headers.Remove(HeaderId.ListUnsubscribePost);

        Assert.Equal("list-unsubscribe", Assert.Single(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true }), f => f.Severity == FindingSeverity.Error).Check);
        Assert.Empty(MessageLinter.Lint(message));
    }

    [Fact]
    public void MailtoOnlyUnsubscribe_IsAnErrorForBulk()
    {
        var message = Good();
        message.Headers[HeaderId.ListUnsubscribe] = "<mailto:unsubscribe@example.com>";

        Assert.Contains(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true }), f => f.Check == "list-unsubscribe" && f.Severity == FindingSeverity.Error && f.Message.Contains("HTTPS", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutTheOneClickPostHeader_IsAnErrorForBulk()
    {
        var message = Good();
        message.Headers.Remove(HeaderId.ListUnsubscribePost);

        Assert.Contains(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true }), f => f.Check == "list-unsubscribe-post" && f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public void SignatureNotCoveringTheUnsubscribeHeaders_IsAnError()
    {
        var message = Good();
        message.Headers.Remove(HeaderId.DkimSignature);
        message.Headers.Add(HeaderId.DkimSignature, "v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to:subject; bh=x; b=y");

        Assert.Contains(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true }), f => f.Check == "list-unsubscribe-dkim");
    }

    [Theory]
    [InlineData("news@example.com", "mail.example.com", true)]
    [InlineData("news@example.co.uk", "example.co.uk", true)]
    [InlineData("news@example.com", "esp-mailer.net", false)]
    [InlineData("news@shop.example.co.uk", "other.co.uk", false)]
    public void FromAlignedWithTheDkimDomain_AtOrganizationLevel(string from, string dkimDomain, bool aligned)
    {
        var message = Good();
        message.From.Clear();
        message.From.Add(MailboxAddress.Parse(from));
        message.Headers.Remove(HeaderId.DkimSignature);
        message.Headers.Add(HeaderId.DkimSignature, $"v=1; a=rsa-sha256; d={dkimDomain}; s=s1; h=from:list-unsubscribe:list-unsubscribe-post; bh=x; b=y");

        var findings = MessageLinter.Lint(message, new MessageLintOptions { Bulk = true });

        Assert.Equal(!aligned, findings.Any(f => f.Check == "dkim-alignment" && f.Severity == FindingSeverity.Error));
    }

    [Fact]
    public void UnsignedMessage_UsesTheGivenDkimDomain_OrSaysItIsUnsigned()
    {
        var message = Good();
        message.Headers.Remove(HeaderId.DkimSignature);

        Assert.Contains(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true }), f => f.Check == "dkim" && f.Severity == FindingSeverity.Error);
        Assert.Empty(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true, DkimDomain = "example.com" }));
        Assert.Contains(MessageLinter.Lint(message, new MessageLintOptions { Bulk = true, DkimDomain = "other.example" }), f => f.Check == "dkim-alignment");
    }

    [Fact]
    public void MissingDateAndMessageId_AreErrors()
    {
        var message = Good();
        message.Headers.Remove(HeaderId.Date);
        message.Headers.Remove(HeaderId.MessageId);

        var checks = MessageLinter.Lint(message).Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Check).ToList();

        Assert.Equal(["date", "message-id"], checks.Order());
    }

    [Fact]
    public void HtmlOverGmailsClipLimit_IsAWarning_AndJustUnderIsNot()
    {
        var under = Good(html: "<p>" + new string('a', MessageLinter.GmailClipBytes - 100) + " and more words here to be text</p>");
        var over = Good(html: "<p>" + new string('a', MessageLinter.GmailClipBytes + 10) + "</p>");

        Assert.DoesNotContain(MessageLinter.Lint(under), f => f.Check == "html-size");
        Assert.Contains(MessageLinter.Lint(over), f => f.Check == "html-size" && f.Message.Contains("102 KB", StringComparison.Ordinal));
    }

    [Fact]
    public void ImagesOnly_IsAWarning()
    {
        var message = Good(html: "<html><head><style>p { color: red; }</style></head><body><img src=\"https://example.com/sale.png\" alt=\"\"><img src=\"https://example.com/b.png\"></body></html>");

        Assert.Contains(MessageLinter.Lint(message), f => f.Check == "images-only");
    }

    [Fact]
    public void NoOrTwoFromAddresses_IsAnError()
    {
        var message = Good();
        message.From.Add(MailboxAddress.Parse("other@example.com"));

        Assert.Contains(MessageLinter.Lint(message), f => f.Check == "from" && f.Severity == FindingSeverity.Error);
    }

    internal static MimeMessage Good(string? html = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("news@example.com"));
        message.To.Add(MailboxAddress.Parse("ann@example.org"));
        message.Subject = "This week";
        message.Date = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
        message.MessageId = "1@example.com";
        message.Headers.Add(HeaderId.ListUnsubscribe, "<https://example.com/unsubscribe/abc>, <mailto:u@example.com>");
        message.Headers.Add(HeaderId.ListUnsubscribePost, "List-Unsubscribe=One-Click");
        message.Headers.Add(HeaderId.DkimSignature, "v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to:subject:list-unsubscribe:list-unsubscribe-post; bh=x; b=y");
        var body = new BodyBuilder
        {
            TextBody = "This week's news, in many words for the readers who prefer text.",
            HtmlBody = html ?? "<p>This week's news, in many words for the readers who prefer HTML, with an image <img src=\"https://example.com/a.png\" alt=\"a chart\"> and more text around it so it is not image only at all.</p>",
        };
        message.Body = body.ToMessageBody();
        return message;
    }
}
