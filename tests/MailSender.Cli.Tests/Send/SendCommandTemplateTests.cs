using System.Text;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.Cli.Tests.Render;
using MimeKit;

namespace MailSender.Cli.Tests.Send;

/// <summary><c>send --template</c>: the subject and body come from a Liquid template; the other options work as for any send.</summary>
public sealed class SendCommandTemplateTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Send_Template_PickupWritesTheRenderedMessageToTheRecipients()
    {
        var run = await RunAsync(
            "send", "--to", "ann@example.com", "--cc", "bo@example.com", "--from", "Acme <hello@acme.example>",
            "--template", "welcome", "--model", ModelFile(), "--templates", RenderCommandTests.Templates, "--culture", "fr");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var file = PickupFile.Load(Assert.Single(_temp.WrittenFiles()));
        Assert.Equal(["ann@example.com", "bo@example.com"], file.Receivers);
        Assert.Equal("hello@acme.example", file.Sender);
        var message = file.Message;
        Assert.Equal("Bienvenue sur Acme, Ann !", message.Subject);
        Assert.Contains("<h1>Bonjour Ann</h1>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Bonjour Ann", message.TextBody, StringComparison.Ordinal);
        Assert.EndsWith("@acme.example", message.MessageId, StringComparison.Ordinal);
        Assert.Contains("Message-Id: " + message.MessageId, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TemplateWithAttachmentAndJson_BodyAndAttachmentInMultipartMixed()
    {
        var attachment = _temp.CreateFile("report.pdf", [1, 2, 3, 4]);

        var run = await RunAsync(
            "send", "--to", "ann@example.com", "--from", "hello@acme.example", "--template", "account/reset", "--model", ModelFile(),
            "--templates", RenderCommandTests.Templates, "--attach", attachment, "--json", "--retries", "0");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = PickupFile.Load(Assert.Single(_temp.WrittenFiles())).Message;
        Assert.Equal("Reset your password", message.Subject);
        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal("multipart/related", mixed[0].ContentType.MimeType);
        Assert.Equal("report.pdf", Assert.IsType<MimePart>(Assert.Single(message.Attachments)).FileName);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(message.MessageId, json.RootElement.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Send_TemplateFromTheEnvironmentsFolderWithTheDefaultSender()
    {
        var environment = new Dictionary<string, string> { ["MAILSENDER_TEMPLATES"] = RenderCommandTests.Templates, ["MAILSENDER_FROM"] = "env@acme.example" };

        var run = await CliRun.RunAsync(["send", "--to", "ann@example.com", "--template", "welcome", "--model", ModelFile(), "--transport", _temp.PickupTransport], environment);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = PickupFile.Load(Assert.Single(_temp.WrittenFiles())).Message;
        Assert.Equal("Welcome to Acme, Ann!", message.Subject);
        Assert.Equal("env@acme.example", Assert.Single(message.From.Mailboxes).Address);
    }

    [Theory]
    [InlineData("--subject", "Hi", "--subject")]
    [InlineData("--text", "Hello", "--text")]
    [InlineData("--html-file", "body.html", "--html-file")]
    public async Task Send_TemplateWithABodyOption_UsageErrorNamingTheConflict(string option, string value, string named)
    {
        var run = await RunAsync("send", "--to", "ann@example.com", "--template", "welcome", "--templates", RenderCommandTests.Templates, option, value);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Usage: --template cannot be used with {named}: the template gives the subject and the body.", run.ErrorLines[0]);
        Assert.Empty(_temp.WrittenFiles());
    }

    [Fact]
    public async Task Send_TemplateWithSubjectAndText_NamesBoth()
    {
        var run = await RunAsync("send", "--to", "ann@example.com", "--template", "welcome", "--subject", "Hi", "--text", "x");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("mailsender: Usage: --template cannot be used with --subject, --text: the template gives the subject and the body.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Send_ModelWithoutTemplate_UsageError()
    {
        var run = await RunAsync("send", "--to", "ann@example.com", "--subject", "Hi", "--text", "x", "--model", "model.json", "--culture", "fr");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("mailsender: Usage: --model, --culture need --template NAME.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Send_NeitherSubjectNorTemplate_UsageError()
    {
        var run = await RunAsync("send", "--to", "ann@example.com", "--text", "x");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("mailsender: Usage: Option '--subject' is required (or --template NAME, whose template gives it).", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Send_TemplateMissingAValue_TemplateErrorAndNothingSent()
    {
        var run = await RunAsync("send", "--to", "ann@example.com", "--from", "hello@acme.example", "--template", "welcome", "--templates", RenderCommandTests.Templates, "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Template: Template 'welcome' (welcome.liquid in the folder ", run.ErrorLines[0], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("Template", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.Empty(_temp.WrittenFiles());
    }

    [Fact]
    public async Task Send_UnknownTemplate_TemplateErrorAndNothingSent()
    {
        var run = await RunAsync("send", "--to", "ann@example.com", "--from", "hello@acme.example", "--template", "nope", "--templates", RenderCommandTests.Templates);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Template: There is no template named 'nope'.", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Empty(_temp.WrittenFiles());
    }

    private string ModelFile() => _temp.CreateFile("model.json", Encoding.UTF8.GetBytes("""
        {"product": "Acme", "user": {"name": "Ann", "joined": "2026-12-05", "balance": 12.5}, "link": "https://example.com/c"}
        """));

    private Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync([.. args, "--transport", _temp.PickupTransport]);
}
