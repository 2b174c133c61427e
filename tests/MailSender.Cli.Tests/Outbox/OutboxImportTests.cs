using System.Text;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Outbox;

/// <summary><c>mailsender outbox import</c>: which envelope a file gives, what is refused, and that nothing is moved or deleted.</summary>
public sealed class OutboxImportTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public OutboxImportTests()
    {
        Directory.CreateDirectory(Pickup);
    }

    private string Store => "sqlite:" + Path.Combine(_folder.Path, "outbox.db");

    private string Pickup => Path.Combine(_folder.Path, "pickup");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("X-Sender: me@example.com\r\nX-Receiver: hidden@example.com\r\nFrom: me@example.com\r\n")]
    [InlineData("From: me@example.com\r\nBcc: hidden@example.com\r\n")]
    public async Task Import_OnlyBccRecipients_IsDeliveredToThem_WithoutNamingThem(string headers)
    {
        // A pickup file of a message whose recipients were all Bcc names none in its headers, only in its envelope.
        Write("bcc.eml", headers + "Subject: Bcc only\r\nMessage-Id: <bcc.1@example.com>\r\n\r\nHello\r\n");
        await using var server = await InProcessSmtpServer.StartAsync();

        var import = await Run("outbox", "import", Pickup, "--outbox", Store);
        var worker = await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty");

        Assert.True(import.ExitCode == ExitCodes.Success, import.ToString());
        Assert.True(worker.ExitCode == ExitCodes.Success, worker.ToString());
        Assert.Equal("sent 1, deferred 0, failed 0, uncertain 0", worker.Output.Trim());
        var received = Assert.Single(server.Messages);
        Assert.Equal(["hidden@example.com"], received.To);
        Assert.DoesNotContain("hidden@example.com", Encoding.UTF8.GetString(received.Data), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Import_PickupFileWithEnvelope_IsDelivered_WithoutTheEnvelopeHeaders()
    {
        Write("one.eml", "X-Sender: me@example.com\r\nX-Receiver: ann@example.com\r\nX-Receiver: hidden@example.com\r\nFrom: me@example.com\r\nTo: ann@example.com\r\nSubject: With Bcc\r\n\r\nHello\r\n");
        await using var server = await InProcessSmtpServer.StartAsync();

        var import = await Run("outbox", "import", Pickup, "--outbox", Store);
        var worker = await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty");

        Assert.True(import.ExitCode == ExitCodes.Success, import.ToString());
        Assert.Equal($"Imported 1 of 1 file(s) from {Pickup}; 0 were already in the outbox; 0 failed (left in place).", import.Output.Trim());
        Assert.True(worker.ExitCode == ExitCodes.Success, worker.ToString());
        var received = Assert.Single(server.Messages);
        Assert.Equal("me@example.com", received.From);
        Assert.Equal(["ann@example.com", "hidden@example.com"], received.To);
        var data = Encoding.UTF8.GetString(received.Data);
        Assert.DoesNotContain("X-Receiver", data, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Sender", data, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hidden@example.com", data, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Import_EnvelopeDiffersFromHeaders_TheEnvelopeDecides()
    {
        Write("list.eml", "X-Sender: bounces@example.com\r\nX-Receiver: member1@example.com\r\nX-Receiver: member2@example.com\r\nFrom: list@example.com\r\nTo: list@example.com\r\nSubject: To the list\r\n\r\nHello\r\n");
        await using var server = await InProcessSmtpServer.StartAsync();

        await Run("outbox", "import", Pickup, "--outbox", Store);
        await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty");

        var received = Assert.Single(server.Messages);
        Assert.Equal("bounces@example.com", received.From);
        Assert.Equal(["member1@example.com", "member2@example.com"], received.To);
        Assert.Equal("list@example.com", received.Parse().To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task Import_XSenderFurtherDown_BelongsToTheMessage_AndTheHeadersGiveTheEnvelope()
    {
        Write("client.eml", "From: me@example.com\r\nTo: ann@example.com\r\nX-Sender: written by some mail client\r\nSubject: Plain\r\n\r\nHello\r\n");
        await using var server = await InProcessSmtpServer.StartAsync();

        var import = await Run("outbox", "import", Pickup, "--outbox", Store);
        await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty");

        Assert.True(import.ExitCode == ExitCodes.Success, import.ToString());
        var received = Assert.Single(server.Messages);
        Assert.Equal(["ann@example.com"], received.To);
        Assert.Equal("written by some mail client", received.Parse().Headers["X-Sender"]);
    }

    [Theory]
    [InlineData("X-Receiver: ann@example.com\r\n", "no X-Sender")]
    [InlineData("X-Sender: me@example.com\r\n", "no X-Receiver")]
    [InlineData("X-Sender: me@example.com\r\nX-Receiver: not an address\r\n", "is not one e-mail address")]
    public async Task Import_UntrustworthyEnvelope_IsRefused_StoresNothing_AndLeavesTheFile(string envelope, string reason)
    {
        var file = Write("half.eml", envelope + "From: me@example.com\r\nTo: everyone@example.com\r\nSubject: Half\r\n\r\nHello\r\n");

        var import = await Run("outbox", "import", Pickup, "--outbox", Store, "--json");
        var stats = await Run("outbox", "stats", "--outbox", Store, "--json");

        Assert.Equal(ExitCodes.SendFailed, import.ExitCode);
        var report = JsonDocument.Parse(import.Output).RootElement;
        Assert.Equal((0, 1), (report.GetProperty("imported").GetInt32(), report.GetProperty("failed").GetInt32()));
        var failure = report.GetProperty("failures")[0];
        Assert.Equal((file, "InvalidMessage"), (failure.GetProperty("file").GetString(), failure.GetProperty("kind").GetString()));
        Assert.Contains(reason, failure.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("mailsender: InvalidMessage: half.eml: ", import.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("\"queued\":0", stats.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task Import_StoreThatIsNoOutbox_FailsBeforeAnyFile_AndLeavesThemAll()
    {
        var file = Write("a.eml", "From: me@example.com\r\nTo: ann@example.com\r\nSubject: A\r\n\r\nHello\r\n");
        var foreign = Path.Combine(_folder.Path, "foreign.db");
        File.WriteAllText(foreign, "this file is not an SQLite database at all, only text that is long enough\n");

        var import = await Run("outbox", "import", Pickup, "--outbox", "sqlite:" + foreign);

        Assert.Equal(ExitCodes.UsageError, import.ExitCode);
        Assert.StartsWith("mailsender: Configuration: ", import.ErrorLines[0], StringComparison.Ordinal);
        Assert.Empty(import.Output);
        Assert.Equal([file], Directory.GetFiles(Pickup));
    }

    [Fact]
    public async Task Import_SameContentTwiceInOneRun_IsStoredOnce()
    {
        const string Content = "From: me@example.com\r\nTo: ann@example.com\r\nSubject: Twice\r\nMessage-Id: <twice@example.com>\r\n\r\nHello\r\n";
        Write("1.eml", Content);
        Write("2.eml", Content);
        Write("ignored.txt", Content);

        var import = await Run("outbox", "import", Pickup, "--outbox", Store, "--json");
        var list = await Run("outbox", "list", "--outbox", Store, "--json");

        var report = JsonDocument.Parse(import.Output).RootElement;
        Assert.Equal((1, 1, 0), (report.GetProperty("imported").GetInt32(), report.GetProperty("alreadyPresent").GetInt32(), report.GetProperty("failed").GetInt32()));
        var message = Assert.Single(JsonDocument.Parse(list.Output).RootElement.EnumerateArray().ToArray());
        Assert.StartsWith("import:", message.GetProperty("idempotencyKey").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(Pickup).Length);
    }

    [Fact]
    public async Task Import_NotAFolder_IsAUsageError()
    {
        var run = await Run("outbox", "import", Path.Combine(_folder.Path, "missing"), "--outbox", Store);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Usage: DIR ", run.ErrorLines[0], StringComparison.Ordinal);
    }

    private static string Smtp(int port) => $"smtp://127.0.0.1:{port}?security=none";

    private static Task<CliRun> Run(params string[] args) => CliRun.RunAsync(args);

    private string Write(string name, string content)
    {
        var path = Path.Combine(Pickup, name);
        File.WriteAllText(path, content);
        return path;
    }
}
