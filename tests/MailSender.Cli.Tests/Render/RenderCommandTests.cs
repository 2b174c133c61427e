using System.Text;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MimeKit;

namespace MailSender.Cli.Tests.Render;

public sealed class RenderCommandTests : IDisposable
{
    private const string Model = """
        {
          "product": "Acme",
          "user": { "name": "Ann", "joined": "2026-12-05", "balance": 12.5 },
          "link": "https://example.com/confirm?id=1&t=2"
        }
        """;

    private readonly TempDirectory _temp = new();

    /// <summary>Gets the templates copied beside the tests: welcome (+ .text, + .fr), a layout, a partial, account/reset with a cid: image.</summary>
    internal static string Templates { get; } = Path.Combine(AppContext.BaseDirectory, "TestTemplates");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Render_Welcome_WritesEmlWithSubjectHtmlAndTextParts()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--out", eml);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = MimeMessage.Load(eml);
        Assert.Equal("Welcome to Acme, Ann!", message.Subject);
        Assert.Contains("<h1>Hello Ann</h1>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("https://example.com/confirm?id=1&amp;t=2", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("You receive this mail because you signed up for Acme.", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("confirm your address: https://example.com/confirm?id=1&t=2", message.TextBody, StringComparison.Ordinal);
        Assert.Equal("multipart/alternative", message.Body?.ContentType.MimeType);
        Assert.Empty(message.To);
        Assert.Matches(
            $"^Rendered welcome to {System.Text.RegularExpressions.Regex.Escape(eml)}: subject \"Welcome to Acme, Ann!\", [0-9.]+ (bytes|KB), parts: multipart/alternative\\(text/plain, text/html\\){Environment.NewLine}$",
            run.Output);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Render_CultureFrFr_UsesTheFrenchVariantAndFrenchDates()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--culture", "fr-FR", "--out", eml, "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = MimeMessage.Load(eml);
        Assert.Equal("Bienvenue sur Acme, Ann !", message.Subject);
        Assert.Contains("Inscrit le 05 décembre 2026. Solde : 12,5.", message.HtmlBody, StringComparison.Ordinal);

        // No welcome.fr.text.liquid: the text part is made from the French HTML, never taken from the English text template.
        Assert.Contains("Bonjour Ann", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("confirm your address", message.TextBody, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("fr-FR", json.RootElement.GetProperty("culture").GetString());
        Assert.Equal("welcome.fr.liquid", json.RootElement.GetProperty("file").GetString());
    }

    [Fact]
    public async Task Render_Json_PrintsTheDocument()
    {
        var eml = Path.Combine(_temp.Path, "reset.eml");
        var html = Path.Combine(_temp.Path, "reset.html");

        var run = await RunAsync("render", "account/reset", "--templates", Templates, "--model", ModelFile(), "--out", eml, "--html", html, "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("account/reset", root.GetProperty("template").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("culture").ValueKind);
        Assert.Equal("account/reset.liquid", root.GetProperty("file").GetString());
        Assert.Equal("Reset your password", root.GetProperty("subject").GetString());
        Assert.Equal(eml, root.GetProperty("out").GetString());
        Assert.Equal(html, root.GetProperty("html").GetString());
        Assert.Equal(new FileInfo(eml).Length, root.GetProperty("bytes").GetInt64());
        Assert.Equal("multipart/related(multipart/alternative(text/plain, text/html), image/png)", root.GetProperty("structure").GetString());
        Assert.Equal(MimeMessage.Load(eml).MessageId, root.GetProperty("messageId").GetString());
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Render_Html_WritesTheHtmlBodyWithImagesAsDataUris()
    {
        var eml = Path.Combine(_temp.Path, "reset.eml");
        var html = Path.Combine(_temp.Path, "reset.html");

        var run = await RunAsync("render", "account/reset", "--templates", Templates, "--model", ModelFile(), "--out", eml, "--html", html);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var page = File.ReadAllText(html);
        Assert.Contains("<a href=\"https://example.com/confirm?id=1&t=2\">reset it</a>", page, StringComparison.Ordinal);
        Assert.Contains("<img src=\"data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(Path.Combine(Templates, "logo.png"))) + "\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("cid:", page, StringComparison.Ordinal);

        // The message itself keeps the cid: reference and the image part.
        var message = MimeMessage.Load(eml);
        Assert.Contains("cid:", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(" and " + html + ":", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_InlineCss_MovesStyleRulesIntoAttributes()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--out", eml, "--inline-css");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Matches("<h1 style=\"color: ?#336699;?\">Hello Ann</h1>", MimeMessage.Load(eml).HtmlBody);
    }

    [Fact]
    public async Task Render_OutDash_WritesTheMessageToStandardOutputAndTheSummaryToStandardError()
    {
        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--out", "-");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(run.Output));
        var message = MimeMessage.Load(stream);
        Assert.Equal("Welcome to Acme, Ann!", message.Subject);
        Assert.Contains("\r\n", run.Output, StringComparison.Ordinal);
        Assert.StartsWith("Rendered welcome to standard output: subject \"Welcome to Acme, Ann!\"", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_OutDashWithJson_UsageError()
    {
        var run = await RunAsync("render", "welcome", "--templates", Templates, "--out", "-", "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--out - and --json both write to standard output", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_FromAndTo_CompleteTheMessageWithAnIdInTheSendersDomain()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--out", eml, "--from", "Acme <hello@acme.example>", "--to", "ann@example.com", "--to", "bo@example.com, cy@example.com");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = MimeMessage.Load(eml);
        Assert.Equal("hello@acme.example", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(["ann@example.com", "bo@example.com", "cy@example.com"], message.To.Mailboxes.Select(m => m.Address));
        Assert.EndsWith("@acme.example", message.MessageId, StringComparison.Ordinal);
        Assert.True(message.Headers.Contains(HeaderId.Date));
    }

    [Fact]
    public async Task Render_BadFrom_UsageErrorBeforeRendering()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--out", eml, "--from", "not an address");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("mailsender: Usage: --from 'not an address' is not a valid e-mail address.", run.ErrorLines[0]);
        Assert.False(File.Exists(eml));
    }

    [Fact]
    public async Task Render_ModelFromStandardInput()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await CliRun.RunWithInputAsync(["render", "welcome", "--templates", Templates, "--model", "-", "--out", eml], Model);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("Welcome to Acme, Ann!", MimeMessage.Load(eml).Subject);
    }

    [Fact]
    public async Task Render_ModelWithJsonSyntaxError_NamesTheFileLineAndPosition()
    {
        var model = _temp.CreateFile("model.json", Encoding.UTF8.GetBytes("{\n  \"product\": \"Acme\"\n  \"user\": {}\n}"));
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", model, "--out", eml, "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith($"mailsender: Usage: --model file '{model}' is not valid JSON at line 3, byte 3: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", run.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("Usage", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.False(File.Exists(eml));
    }

    [Fact]
    public async Task Render_ModelNotAnObject_UsageError()
    {
        var model = _temp.CreateFile("model.json", Encoding.UTF8.GetBytes("[1, 2]"));

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", model, "--out", Path.Combine(_temp.Path, "x.eml"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Usage: --model file '{model}' holds a JSON array; the model must be an object.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_MissingModelFile_UsageErrorNamingIt()
    {
        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", Path.Combine(_temp.Path, "none.json"), "--out", Path.Combine(_temp.Path, "x.eml"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Usage: --model file '{Path.Combine(_temp.Path, "none.json")}' does not exist.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_LiquidSyntaxError_NamesTheFileLineAndColumn()
    {
        var folder = TemplateFolder(("broken.liquid", "{% subject %}Hi{% endsubject %}\n<p>{% if user %}Hello</p>\n"));
        var eml = Path.Combine(_temp.Path, "broken.eml");

        var run = await RunAsync("render", "broken", "--templates", folder, "--out", eml, "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Template: Template broken.liquid in the folder {folder} does not parse: line 3, column 1: '{{% endif %}}' was expected.", run.ErrorLines[0]);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("Template", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.False(File.Exists(eml));
    }

    [Fact]
    public async Task Render_AnotherTemplateOfTheFolderDoesNotParse_ReportedAsAtStartUp()
    {
        var folder = TemplateFolder(
            ("good.liquid", "{% subject %}Hi{% endsubject %}<p>ok</p>"),
            ("bad.liquid", "{% subject %}Hi{% endsubject %}\n{{ user.name "));

        var run = await RunAsync("render", "good", "--templates", folder, "--out", Path.Combine(_temp.Path, "good.eml"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith($"mailsender: Template: Template bad.liquid in the folder {folder} does not parse: line 2, column ", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_MissingModelValue_NamesTheValueWhereItIsReadAndTheOption()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--out", eml);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal(
            $"mailsender: Template: Template 'welcome' (welcome.liquid in the folder {Templates}, line 2, column 28) reads 'product', which the model does not have. Add it to the model, or pass --missing-values empty to render missing values as empty text.",
            run.ErrorLines[0]);
        Assert.False(File.Exists(eml));
    }

    [Fact]
    public async Task Render_MissingValuesEmpty_RendersThemAsEmptyText()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--out", eml, "--missing-values", "empty");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("Welcome to , !", MimeMessage.Load(eml).Subject);
    }

    [Fact]
    public async Task Render_UnknownTemplate_TemplateErrorNamingTheFolder()
    {
        var run = await RunAsync("render", "nope", "--templates", Templates, "--out", Path.Combine(_temp.Path, "x.eml"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Template: There is no template named 'nope'. Liquid templates are read from the folder {Templates} (nope.liquid).", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_MissingTemplateFolder_UsageErrorNamingTheOption()
    {
        var missing = Path.Combine(_temp.Path, "none");

        var run = await RunAsync("render", "welcome", "--templates", missing, "--out", Path.Combine(_temp.Path, "x.eml"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Usage: --templates folder '{missing}' does not exist.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_NoTemplatesOption_ReadsTheFolderFromTheEnvironment()
    {
        var eml = Path.Combine(_temp.Path, "welcome.eml");
        var environment = new Dictionary<string, string> { ["MAILSENDER_TEMPLATES"] = Templates };

        var run = await CliRun.RunAsync(["render", "welcome", "--model", ModelFile(), "--out", eml], environment);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("Welcome to Acme, Ann!", MimeMessage.Load(eml).Subject);

        var missing = await CliRun.RunAsync(["render", "welcome", "--out", eml], new Dictionary<string, string> { ["MAILSENDER_TEMPLATES"] = "/no/such/folder" });
        Assert.Equal("mailsender: Usage: $MAILSENDER_TEMPLATES folder '/no/such/folder' does not exist.", missing.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_UnknownCulture_UsageErrorNamingIt()
    {
        var run = await RunAsync("render", "welcome", "--templates", Templates, "--culture", "xx-QQ", "--out", Path.Combine(_temp.Path, "x.eml"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("mailsender: Usage: --culture 'xx-QQ' is not a culture name.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_ExistingOut_ReplacedWholeWithNoTemporaryFileLeft()
    {
        var eml = _temp.CreateFile("welcome.eml", Encoding.UTF8.GetBytes(new string('x', 100_000)));

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--out", eml);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("Welcome to Acme, Ann!", MimeMessage.Load(eml).Subject);
        Assert.Equal([eml], Directory.GetFiles(_temp.Path, "*welcome*"));
    }

    [Fact]
    public async Task Render_OutInAMissingFolder_UsageError()
    {
        var eml = Path.Combine(_temp.Path, "none", "welcome.eml");

        var run = await RunAsync("render", "welcome", "--templates", Templates, "--model", ModelFile(), "--out", eml);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal($"mailsender: Usage: --out '{eml}': the folder {Path.GetDirectoryName(eml)} does not exist.", run.ErrorLines[0]);
    }

    [Fact]
    public async Task Render_NoOut_UsageError()
    {
        var run = await RunAsync("render", "welcome", "--templates", Templates);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--out", run.ErrorLines[0], StringComparison.Ordinal);
    }

    private string ModelFile() =>
        File.Exists(Path.Combine(_temp.Path, "model.json")) ? Path.Combine(_temp.Path, "model.json") : _temp.CreateFile("model.json", Encoding.UTF8.GetBytes(Model));

    private string TemplateFolder(params (string Name, string Content)[] files)
    {
        var folder = Path.Combine(_temp.Path, "templates");
        Directory.CreateDirectory(folder);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(folder, name), content);
        }

        return folder;
    }

    private static Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(args);
}
