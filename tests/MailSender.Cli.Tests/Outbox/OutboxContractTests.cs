using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Outbox;

/// <summary>The outbox commands' output contract: JSON shapes, error kinds and exit codes, where a store comes from, and passwords kept out.</summary>
public sealed class OutboxContractTests : IDisposable
{
    private const string Password = "Pg-S3cret-Pw";
    private readonly TempDirectory _folder = new();

    private string Store => "sqlite:" + Path.Combine(_folder.Path, "outbox.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Fact]
    public async Task SendWithOutbox_HumanOutput_NamesTheIdAndTheStore()
    {
        var run = await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--outbox", Store);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var id = JsonDocument.Parse((await Run("outbox", "list", "--outbox", Store, "--json")).Output).RootElement[0].GetProperty("id").GetString();
        Assert.StartsWith($"Queued {id} in {Store} (Message-Id ", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task SendWithOutbox_AndTransport_WarnsThatTheWorkerDelivers_AndEnqueuesWithoutTouchingTheTransport()
    {
        var run = await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--outbox", Store, "--transport", _folder.PickupTransport, "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("mailsender: warning: --transport is not used with --outbox: 'mailsender worker --transport URI' delivers the message.", Assert.Single(run.ErrorLines));
        Assert.Equal("queued", JsonDocument.Parse(run.Output).RootElement.GetProperty("state").GetString());
        Assert.Empty(_folder.WrittenFiles());
    }

    [Fact]
    public async Task SendWithoutOutbox_IgnoresTheOutboxVariable_AndSends()
    {
        var environment = new Dictionary<string, string> { ["MAILSENDER_OUTBOX"] = Store, ["MAILSENDER_TRANSPORT"] = _folder.PickupTransport };

        var run = await CliRun.RunAsync(["send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x"], environment);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Single(_folder.WrittenFiles());
        Assert.False(File.Exists(Path.Combine(_folder.Path, "outbox.db")));
    }

    [Fact]
    public async Task RetryAndCancel_UnknownId_ExitTwo_WithNotFound_AndOneChangeDocument()
    {
        var id = Guid.NewGuid();

        var retry = await Run("outbox", "retry", id.ToString(), "--outbox", Store, "--json");
        var cancel = await Run("outbox", "cancel", id.ToString(), "--outbox", Store);

        Assert.Equal(ExitCodes.UsageError, retry.ExitCode);
        var document = JsonDocument.Parse(retry.Output).RootElement;
        Assert.Equal("retry", document.GetProperty("action").GetString());
        Assert.Equal(id, document.GetProperty("id").GetGuid());
        Assert.False(document.GetProperty("changed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("state").ValueKind);
        Assert.Equal($"No message {id} in the outbox (never enqueued there, or purged).", document.GetProperty("reason").GetString());
        Assert.Equal($"mailsender: NotFound: No message {id} in the outbox (never enqueued there, or purged).", retry.ErrorLines[0]);
        Assert.Equal((ExitCodes.UsageError, string.Empty), (cancel.ExitCode, cancel.Output));
        Assert.StartsWith("mailsender: NotFound: ", cancel.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal("hint: Run 'mailsender outbox list' to see the ids.", cancel.ErrorLines[1]);
    }

    [Fact]
    public async Task RetryAndCancel_WrongState_SayWhy_AndChangeNothing()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var id = await Enqueue();
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");

        var retry = await Run("outbox", "retry", id, "--outbox", Store, "--json");
        var cancel = await Run("outbox", "cancel", id, "--outbox", Store);

        Assert.Equal(ExitCodes.UsageError, retry.ExitCode);
        var document = JsonDocument.Parse(retry.Output).RootElement;
        Assert.Equal(("sent", false), (document.GetProperty("state").GetString(), document.GetProperty("changed").GetBoolean()));
        Assert.Equal($"mailsender: WrongState: {id} is sent: only failed, uncertain or deferred messages can be retried (every recipient has it).", retry.ErrorLines[0]);
        Assert.Equal(ExitCodes.UsageError, cancel.ExitCode);
        Assert.Equal($"mailsender: WrongState: {id} is sent: only queued or deferred messages can be cancelled.", cancel.ErrorLines[0]);
        Assert.Equal($"hint: Run 'mailsender outbox show {id}' for the details.", cancel.ErrorLines[1]);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Cancel_Queued_PrintsAChangeDocument_AndTheWorkerThenSendsNothing()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var id = await Enqueue();

        var cancel = await Run("outbox", "cancel", id, "--outbox", Store, "--json");
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");

        Assert.True(cancel.ExitCode == ExitCodes.Success, cancel.ToString());
        Assert.Equal($"{{\"action\":\"cancel\",\"id\":\"{id}\",\"changed\":true,\"count\":null,\"state\":\"cancelled\",\"reason\":null}}", cancel.Output.Trim());
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Show_UnknownId_WithJson_IsAnErrorDocumentOfKindNotFound()
    {
        var run = await Run("outbox", "show", Guid.NewGuid().ToString(), "--outbox", Store, "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("NotFound", JsonDocument.Parse(run.Output).RootElement.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Show_Json_HasEveryFieldOfTheMessage()
    {
        var id = await Enqueue();

        var run = await Run("outbox", "show", id, "--outbox", Store, "--json");

        var names = JsonDocument.Parse(run.Output).RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["id", "state", "messageId", "subject", "from", "senderName", "idempotencyKey", "size", "createdAt", "nextAttemptAt", "attempts", "lastError", "lastStatusCode", "hint", "finishedAt", "hasBody", "recipients"], names);
        var recipient = JsonDocument.Parse(run.Output).RootElement.GetProperty("recipients")[0].EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["address", "state", "statusCode", "enhancedStatusCode", "reply", "updatedAt"], recipient);
    }

    [Fact]
    public async Task Stats_WithoutJson_IsATable_WithTheOldestDueAge()
    {
        await Enqueue();

        var run = await Run("outbox", "stats", "--outbox", Store);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var lines = run.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["queued", "sending", "deferred", "sent", "failed", "uncertain", "cancelled", "bounced"], lines[..8].Select(l => l.Split(' ')[0]));
        Assert.Equal("1", lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.StartsWith("oldest due message waiting: ", lines[8], StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_Table_HasTheContractColumns()
    {
        await Enqueue();

        var run = await Run("outbox", "list", "--outbox", Store, "--state", "queued");

        var header = run.Output.Split(Environment.NewLine)[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "STATE", "TRIES", "NEXT", "ATTEMPT", "TO", "SUBJECT"], header);
        Assert.Contains("ann@example.com", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--limit", "0", "--limit")]
    [InlineData("--limit", "10001", "--limit")]
    [InlineData("--state", "stuck", "--state")]
    public async Task List_BadOption_IsAUsageErrorNamingIt(string option, string value, string named)
    {
        var run = await Run("outbox", "list", "--outbox", Store, option, value);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Usage: " + named, run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_Json_CountsTheDeletedMessages()
    {
        var id = await Enqueue();
        await Run("outbox", "cancel", id, "--outbox", Store);

        var run = await Run("outbox", "purge", "--outbox", Store, "--older-than", "0s", "--state", "cancelled", "--json");

        Assert.Equal("{\"action\":\"purge\",\"id\":null,\"changed\":true,\"count\":1,\"state\":\"cancelled\",\"reason\":null}", run.Output.Trim());
    }

    [Fact]
    public async Task Init_NewFile_CreatesTheOutbox()
    {
        var run = await Run("outbox", "init", "--outbox", Store, "--json");

        Assert.Equal((ExitCodes.Success, "{\"initialized\":true}"), (run.ExitCode, run.Output.Trim()));
        Assert.True(File.Exists(Path.Combine(_folder.Path, "outbox.db")));
    }

    [Fact]
    public async Task StoreFromTheConfigurationVariable_IsUsed_AfterTheCliVariable()
    {
        var other = "sqlite:" + Path.Combine(_folder.Path, "other.db");
        await Enqueue();

        var fromConfiguration = await CliRun.RunAsync(["outbox", "stats", "--json"], new Dictionary<string, string> { ["MailSender__Outbox__Store"] = Store });
        var cliVariableFirst = await CliRun.RunAsync(["outbox", "stats", "--json"], new Dictionary<string, string> { ["MailSender__Outbox__Store"] = Store, ["MAILSENDER_OUTBOX"] = other });

        Assert.Contains("\"queued\":1", fromConfiguration.Output, StringComparison.Ordinal);
        Assert.Contains("\"queued\":0", cliVariableFirst.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedStoreInTheVariable_NamesTheVariable()
    {
        var run = await CliRun.RunAsync(["outbox", "stats"], new Dictionary<string, string> { ["MAILSENDER_OUTBOX"] = "outbox.db" });

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Usage: $MAILSENDER_OUTBOX: ", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FolderThatDoesNotExist_HintNamesTheOptionOnce()
    {
        var run = await Run("outbox", "stats", "--outbox", "sqlite:" + Path.Combine(_folder.Path, "missing", "outbox.db"));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("hint: Create the folder, or point --outbox at a file in an existing one.", run.ErrorLines[1]);
    }

    [Fact]
    public async Task PasswordInAPostgresUri_IsWarnedAbout_AndNeverPrinted()
    {
        var run = await Run("outbox", "stats", "--outbox", $"postgres://app:{Password}@127.0.0.1:{LoopbackPorts.Closed()}/app?connect_timeout=2", "--json");

        Assert.Equal(ExitCodes.SendFailed, run.ExitCode);
        Assert.StartsWith("mailsender: warning: the password in --outbox is visible to other users", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("PGPASSWORD", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.StartsWith("mailsender: StorageFailed: ", run.ErrorLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.ToString(), StringComparison.Ordinal);
        Assert.Equal("StorageFailed", JsonDocument.Parse(run.Output).RootElement.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task PasswordInTheVariable_IsNotWarnedAbout_AndNeverPrinted()
    {
        var environment = new Dictionary<string, string> { ["MAILSENDER_OUTBOX"] = $"postgres:Host=127.0.0.1;Port={LoopbackPorts.Closed()};Username=app;Password={Password};Timeout=2" };

        var run = await CliRun.RunAsync(["worker", "--transport", "smtp://127.0.0.1:25?security=none"], environment);

        Assert.Equal(ExitCodes.SendFailed, run.ExitCode);
        Assert.StartsWith("mailsender: StorageFailed: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseErrorInASubcommand_HintNamesTheWholeCommand()
    {
        var run = await Run("outbox", "show", "--outbox", Store);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("hint: Run 'mailsender outbox show --help' for usage.", run.ErrorLines[^1]);
    }

    private static Task<CliRun> Run(params string[] args) => CliRun.RunAsync(args);

    private async Task<string> Enqueue()
    {
        var run = await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--outbox", Store, "--json");
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        return JsonDocument.Parse(run.Output).RootElement.GetProperty("id").GetString()!;
    }
}
