using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MimeKit;

namespace MailSender.Cli.Tests.Lint;

/// <summary><c>mailsender lint</c>: exit 0 without errors, 1 with errors, 2 when the file is not a message.</summary>
public sealed class LintCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Lint_TransactionalMessage_WithWarningsOnly_ExitsZero()
    {
        var file = Write(Message(text: false));

        var run = await CliRun.RunAsync(["lint", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warning html-without-text:", run.Output, StringComparison.Ordinal);
        Assert.Contains("fix: Add a text/plain alternative", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_Bulk_WithoutListUnsubscribe_ExitsOne_AndJsonNamesTheCheck()
    {
        var file = Write(Message(text: true));

        var run = await CliRun.RunAsync(["lint", file, "--bulk", "--dkim-domain", "example.com", "--json"]);

        Assert.Equal(1, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal(1, document.RootElement.GetProperty("errors").GetInt32());
        var finding = document.RootElement.GetProperty("findings")[0];
        Assert.Equal("list-unsubscribe", finding.GetProperty("check").GetString());
        Assert.Equal("error", finding.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Lint_FromStandardInput_Works()
    {
        using var stream = new MemoryStream();
        Message(text: true).WriteTo(stream);

        var run = await CliRun.RunWithInputAsync(["lint", "-"], System.Text.Encoding.UTF8.GetString(stream.ToArray()));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("-: no problems found.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_MissingFile_ExitsTwo_NamingIt()
    {
        var missing = Path.Combine(_temp.Path, "nope.eml");

        var run = await CliRun.RunAsync(["lint", missing]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nope.eml", run.Error, StringComparison.Ordinal);
    }

    private string Write(MimeMessage message)
    {
        var path = Path.Combine(_temp.Path, Guid.NewGuid().ToString("N") + ".eml");
        message.WriteTo(path);
        return path;
    }

    private static MimeMessage Message(bool text)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("news@example.com"));
        message.To.Add(MailboxAddress.Parse("ann@example.org"));
        message.Subject = "Hello";
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = "1@example.com";
        message.Headers.Add(HeaderId.DkimSignature, "v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to; bh=x; b=y");
        var html = "<p>" + string.Join(' ', Enumerable.Repeat("word", 40)) + "</p>";
        message.Body = text ? new BodyBuilder { TextBody = "words", HtmlBody = html }.ToMessageBody() : new TextPart("html") { Text = html };
        return message;
    }
}
