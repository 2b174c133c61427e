using MailSender.Cli.Bulk;
using MailSender.Cli.Tests.Infrastructure;
using MimeKit;

namespace MailSender.Cli.Tests.Bulk;

/// <summary><c>mailsender bulk</c>: one message per CSV row, a results file, re-runs that skip what was sent.</summary>
public sealed class BulkCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Pickup => Path.Combine(_temp.Path, "pickup");

    [Fact]
    public async Task Bulk_Template_OneMessagePerRow_ModelFromColumns_ResultsWritten()
    {
        var templates = Templates();
        var csv = Write("people.csv", "email,name\r\nann@example.org,Ann\r\n\"bob@example.org\",\"Bob, Jr.\"\r\n");
        var results = Path.Combine(_temp.Path, "results.csv");

        var run = await CliRun.RunAsync(["bulk", "--recipients", csv, "--template", "news", "--model-columns", "--templates", templates, "--transport", "pickup:" + Pickup, "--from", "news@example.com", "--results", results, "--list-id", "news.example.com"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var messages = Directory.GetFiles(Pickup, "*.eml").Select(f => MimeMessage.Load(f)).ToList();
        Assert.Equal(2, messages.Count);
        var bob = Assert.Single(messages, m => m.To.Mailboxes.Single().Address == "bob@example.org");
        Assert.Equal("News for Bob, Jr.", bob.Subject);
        Assert.Equal("<news.example.com>", bob.Headers[HeaderId.ListId]);
        var lines = File.ReadAllLines(results);
        Assert.Equal("address,state,reply", lines[0]);
        Assert.Equal(2, lines.Count(l => l.Contains(",sent,", StringComparison.Ordinal)));
        Assert.Contains("2 sent", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_ReRun_SkipsRowsTheResultsFileListsAsSent()
    {
        var templates = Templates();
        var csv = Write("people.csv", "email,name\nann@example.org,Ann\nbob@example.org,Bob\ncarl@example.org,Carl\n");
        var results = Write("results.csv", "address,state,reply\nann@example.org,sent,250 ok\nbob@example.org,failed,451 try later\n");

        var run = await CliRun.RunAsync(["bulk", "--recipients", csv, "--template", "news", "--model-columns", "--templates", templates, "--transport", "pickup:" + Pickup, "--from", "news@example.com", "--results", results]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["bob@example.org", "carl@example.org"], Directory.GetFiles(Pickup, "*.eml").Select(f => MimeMessage.Load(f).To.Mailboxes.Single().Address).Order());
        Assert.Contains("1 skipped as already done", run.Output, StringComparison.Ordinal);
        Assert.Equal(5, File.ReadAllLines(results).Length);
    }

    [Fact]
    public async Task Bulk_EmlDir_OneMessageToEveryRow_EachWithItsOwnMessageId()
    {
        var dir = Path.Combine(_temp.Path, "issue");
        Directory.CreateDirectory(dir);
        var prepared = new MimeMessage();
        prepared.From.Add(MailboxAddress.Parse("news@example.com"));
        prepared.To.Add(MailboxAddress.Parse("placeholder@example.com"));
        prepared.Subject = "Issue 42";
        prepared.Body = new TextPart("plain") { Text = "This week." };
        prepared.WriteTo(Path.Combine(dir, "issue.eml"));
        var csv = Write("people.csv", "address\nann@example.org\nbob@example.org\n");

        var run = await CliRun.RunAsync(["bulk", "--recipients", csv, "--eml-dir", dir, "--transport", "pickup:" + Pickup]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var messages = Directory.GetFiles(Pickup, "*.eml").Select(f => MimeMessage.Load(f)).ToList();
        Assert.Equal(["ann@example.org", "bob@example.org"], messages.Select(m => m.To.Mailboxes.Single().Address).Order());
        Assert.All(messages, m => Assert.Equal("Issue 42", m.Subject));
        Assert.NotEqual(messages[0].MessageId, messages[1].MessageId);
    }

    [Fact]
    public async Task Bulk_BadRowAddress_IsThatRowsFailure_OthersAreSent_ExitOne()
    {
        var templates = Templates();
        var csv = Write("people.csv", "email,name\nann@example.org,Ann\nnot an address,X\n");
        var results = Path.Combine(_temp.Path, "results.csv");

        var run = await CliRun.RunAsync(["bulk", "--recipients", csv, "--template", "news", "--model-columns", "--templates", templates, "--transport", "pickup:" + Pickup, "--from", "news@example.com", "--results", results]);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(Directory.GetFiles(Pickup, "*.eml"));
        Assert.Contains(File.ReadAllLines(results), l => l.StartsWith("not an address,failed,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("name\nAnn\n", "no 'email'")]
    [InlineData("email,name\nann@example.org\n", "1 fields, but the header has 2")]
    [InlineData("email,name\n\"ann@example.org,Ann\n", "never closed")]
    public async Task Bulk_BadCsv_IsAUsageError_NamingTheProblem(string content, string expected)
    {
        var csv = Write("bad.csv", content);

        var run = await CliRun.RunAsync(["bulk", "--recipients", csv, "--template", "news", "--model-columns", "--templates", Templates(), "--transport", "pickup:" + Pickup, "--from", "news@example.com"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_TemplateWithoutModelColumns_OrBothModes_IsAUsageError()
    {
        var csv = Write("people.csv", "email\nann@example.org\n");

        var noColumns = await CliRun.RunAsync(["bulk", "--recipients", csv, "--template", "news", "--templates", Templates()]);
        var both = await CliRun.RunAsync(["bulk", "--recipients", csv, "--template", "news", "--model-columns", "--eml-dir", _temp.Path]);

        Assert.Equal(2, noColumns.ExitCode);
        Assert.Contains("--model-columns", noColumns.Error, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
    }

    [Fact]
    public void CsvReader_QuotedFieldsWithCommasQuotesAndLineBreaks()
    {
        var reader = new CsvReader(new StringReader("a,\"b,c\",\"d \"\"q\"\"\"\r\n\"multi\nline\",x,\r\n\r\nlast,,"), "t.csv");

        Assert.Equal(["a", "b,c", "d \"q\""], reader.ReadRow());
        Assert.Equal(["multi\nline", "x", ""], reader.ReadRow());
        Assert.Equal(["last", "", ""], reader.ReadRow());
        Assert.Null(reader.ReadRow());
        Assert.Equal("plain", CsvReader.Quote("plain"));
        Assert.Equal("\"a,\"\"b\"\"\"", CsvReader.Quote("a,\"b\""));
    }

    private string Templates()
    {
        var dir = Path.Combine(_temp.Path, "templates");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "news.liquid"), "{% subject %}News for {{ name }}{% endsubject %}<p>Hello {{ name }}, here is the news of the week.</p>");
        File.WriteAllText(Path.Combine(dir, "news.text.liquid"), "Hello {{ name }}, here is the news of the week.");
        return dir;
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_temp.Path, name);
        File.WriteAllText(path, content);
        return path;
    }
}
