using System.Text;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.Deliverability;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Cli.Tests.Outbox;

/// <summary>The outbox commands against an SQLite outbox in a temporary folder: send --outbox, worker, outbox *.</summary>
public sealed class OutboxCommandTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private string Store => "sqlite:" + Path.Combine(_folder.Path, "outbox.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Fact]
    public async Task SendWithOutbox_Enqueues_AndStatsCountsItQueued()
    {
        var sent = await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "Later", "--text", "x", "--outbox", Store, "--json");
        var stats = await Run("outbox", "stats", "--outbox", Store, "--json");

        Assert.True(sent.ExitCode == ExitCodes.Success, sent.ToString());
        using var document = JsonDocument.Parse(sent.Output);
        Assert.True(Guid.TryParse(document.RootElement.GetProperty("id").GetString(), out _));
        Assert.Equal("queued", document.RootElement.GetProperty("state").GetString());
        Assert.Equal("{\"queued\":1,\"sending\":0,\"deferred\":0,\"sent\":0,\"failed\":0,\"uncertain\":0,\"cancelled\":0,\"bounced\":0}", stats.Output.Trim());
        Assert.Empty(_folder.WrittenFiles());
    }

    [Fact]
    public async Task SendWithOutbox_BadAddress_FailsAtEnqueue_WithNothingStored()
    {
        var sent = await Run("send", "--to", "ann@@example.com", "--from", "me@example.com", "--subject", "x", "--text", "x", "--outbox", Store);
        var stats = await Run("outbox", "stats", "--outbox", Store, "--json");

        Assert.Equal(ExitCodes.UsageError, sent.ExitCode);
        Assert.Contains("\"queued\":0", stats.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_ExitWhenEmpty_DeliversEverything_ThenStatsShowsThemSent()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ExitCodes.Success, (await Run("send", "--to", $"r{i}@example.com", "--from", "me@example.com", "--subject", $"m{i}", "--text", "x", "--outbox", Store)).ExitCode);
        }

        var worker = await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty", "--json");
        var stats = await Run("outbox", "stats", "--outbox", Store, "--json");

        Assert.True(worker.ExitCode == ExitCodes.Success, worker.ToString());
        Assert.Equal(3, server.Messages.Count);
        using var summary = JsonDocument.Parse(worker.Output);
        Assert.Equal(3, summary.RootElement.GetProperty("sent").GetInt64());
        Assert.Contains("\"sent\":3", stats.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListShowRetryCancel_TellWhatHappened()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new InProcessSmtpServerOptions { RejectedRecipients = ["gone@example.com"] });
        await Run("send", "--to", "gone@example.com", "--from", "me@example.com", "--subject", "Refused", "--text", "x", "--outbox", Store);
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");
        var queued = JsonDocument.Parse((await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "Waiting", "--text", "x", "--outbox", Store, "--json")).Output).RootElement.GetProperty("id").GetString()!;

        var failed = await Run("outbox", "list", "--outbox", Store, "--state", "failed", "--json");
        var id = JsonDocument.Parse(failed.Output).RootElement[0].GetProperty("id").GetString()!;
        var show = await Run("outbox", "show", id, "--outbox", Store);
        var retry = await Run("outbox", "retry", id, "--outbox", Store);
        var retryQueued = await Run("outbox", "retry", queued, "--outbox", Store);
        var cancel = await Run("outbox", "cancel", queued, "--outbox", Store);
        var unknown = await Run("outbox", "show", Guid.NewGuid().ToString(), "--outbox", Store);
        var notAnId = await Run("outbox", "cancel", "42", "--outbox", Store);
        var table = await Run("outbox", "list", "--outbox", Store);

        Assert.Contains("failed (last reply 550)", show.Output, StringComparison.Ordinal);
        Assert.Contains("gone@example.com: 550 5.1.1", show.Output, StringComparison.Ordinal);
        Assert.Equal((ExitCodes.Success, $"{id}: queued again."), (retry.ExitCode, retry.Output.Trim()));
        Assert.Equal(ExitCodes.UsageError, retryQueued.ExitCode);
        Assert.Contains("only failed, uncertain or deferred messages can be retried", retryQueued.Error, StringComparison.Ordinal);
        Assert.Equal((ExitCodes.Success, $"{queued}: cancelled."), (cancel.ExitCode, cancel.Output.Trim()));
        Assert.Equal(ExitCodes.UsageError, unknown.ExitCode);
        Assert.Contains("No message", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, notAnId.ExitCode);
        Assert.Contains("Refused", table.Output, StringComparison.Ordinal);
        Assert.Contains("cancelled", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_ExplainsADeferredMessage_InPlainWords()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReply = "451 4.7.1 Greylisted, come back later" });
        var id = JsonDocument.Parse((await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "Greylisted", "--text", "x", "--outbox", Store, "--json")).Output).RootElement.GetProperty("id").GetString()!;
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");

        var show = await Run("outbox", "show", id, "--outbox", Store);
        var json = await Run("outbox", "show", id, "--outbox", Store, "--json");

        Assert.Contains("deferred: next attempt in ", show.Output, StringComparison.Ordinal);
        Assert.Contains("(last reply 451)", show.Output, StringComparison.Ordinal);
        Assert.Contains("ann@example.com: 451 4.7.1 Greylisted, come back later", show.Output, StringComparison.Ordinal);
        var document = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal("deferred", document.GetProperty("state").GetString());
        Assert.Equal("deferred", document.GetProperty("recipients")[0].GetProperty("state").GetString());
        Assert.Equal(451, document.GetProperty("lastStatusCode").GetInt32());
    }

    [Fact]
    public async Task ABouncedMessage_IsListedShownCountedAndPurged_ButNeverRetried()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var id = JsonDocument.Parse((await Run("send", "--to", "gone@example.com", "--from", "me@example.com", "--subject", "Bounces", "--text", "x", "--outbox", Store, "--json")).Output).RootElement.GetProperty("id").GetString()!;
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");
        var messageId = JsonDocument.Parse((await Run("outbox", "show", id, "--outbox", Store, "--json")).Output).RootElement.GetProperty("messageId").GetString()!;

        // The report arrives later and is read by the bounce processor of an application on the same outbox.
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:" + Path.Combine(_folder.Path, "unused"))
            .AddOutbox(o => o.Store = Store);
        services.AddBounceProcessing(o => o.Folder = _folder.Path);
        await using (var provider = services.BuildServiceProvider())
        {
            var report = await provider.GetRequiredService<BounceProcessor>().ProcessAsync(Dsn(messageId, "gone@example.com"));
            Assert.Equal(BounceKind.HardBounce, Assert.Single(report!.Recipients).Kind);
        }

        var list = await Run("outbox", "list", "--outbox", Store, "--state", "bounced", "--json");
        var show = await Run("outbox", "show", id, "--outbox", Store);
        var stats = await Run("outbox", "stats", "--outbox", Store, "--json");
        var retry = await Run("outbox", "retry", id, "--outbox", Store);
        var purged = await Run("outbox", "purge", "--outbox", Store, "--older-than", "0s", "--state", "bounced");

        Assert.True(list.ExitCode == ExitCodes.Success, list.ToString());
        var listed = Assert.Single(JsonDocument.Parse(list.Output).RootElement.EnumerateArray());
        Assert.Equal((id, "bounced"), (listed.GetProperty("id").GetString(), listed.GetProperty("state").GetString()));
        Assert.Contains("bounced: the server accepted it", show.Output, StringComparison.Ordinal);
        Assert.Contains("bounced    gone@example.com: bounced after acceptance: 550 5.1.1 no such user (reported by mx.example.com)", show.Output, StringComparison.Ordinal);
        Assert.Contains("\"bounced\":1", stats.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, retry.ExitCode);
        Assert.Contains($"{id} is bounced: only failed, uncertain or deferred messages can be retried (a hard bounce", retry.Error, StringComparison.Ordinal);
        Assert.Equal("Purged 1 message(s) finished more than 0s ago.", purged.Output.Trim());
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Purge_DeletesFinishedMessages_AndRefusesUnfinishedStates()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await Run("send", "--to", "ann@example.com", "--from", "me@example.com", "--subject", "x", "--text", "x", "--outbox", Store);
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");

        var kept = await Run("outbox", "purge", "--outbox", Store);
        var purged = await Run("outbox", "purge", "--outbox", Store, "--older-than", "0s", "--state", "sent");
        var wrong = await Run("outbox", "purge", "--outbox", Store, "--state", "queued");
        var badDuration = await Run("outbox", "purge", "--outbox", Store, "--older-than", "soon");

        Assert.Equal("Purged 0 message(s) finished more than 7d ago.", kept.Output.Trim());
        Assert.Equal("Purged 1 message(s) finished more than 0s ago.", purged.Output.Trim());
        Assert.Equal(ExitCodes.UsageError, wrong.ExitCode);
        Assert.Equal(ExitCodes.UsageError, badDuration.ExitCode);
        Assert.Contains("--older-than", badDuration.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_TakesAPickupFolder_HonouringItsEnvelope_AndImportingAgainStoresNothing()
    {
        // The CLI's own pickup transport writes X-Sender/X-Receiver: the Bcc recipient is only in the envelope.
        await Run("send", "--to", "ann@example.com", "--bcc", "hidden@example.com", "--from", "me@example.com", "--subject", "Picked", "--text", "x", "--transport", _folder.PickupTransport + "?envelope=true");
        await Run("send", "--to", "bob@example.com", "--from", "me@example.com", "--subject", "Picked too", "--text", "x", "--transport", _folder.PickupTransport + "?envelope=true");
        File.WriteAllText(Path.Combine(_folder.Outbox, "broken.eml"), "From: nobody\r\n\r\nno recipient at all\r\n");
        await using var server = await InProcessSmtpServer.StartAsync();

        var first = await Run("outbox", "import", _folder.Outbox, "--outbox", Store, "--json");
        var second = await Run("outbox", "import", _folder.Outbox, "--outbox", Store, "--json");
        await Run("worker", "--outbox", Store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--exit-when-empty");

        var report = JsonDocument.Parse(first.Output).RootElement;
        Assert.Equal((2, 0, 1), (report.GetProperty("imported").GetInt32(), report.GetProperty("alreadyPresent").GetInt32(), report.GetProperty("failed").GetInt32()));
        Assert.Equal(ExitCodes.SendFailed, first.ExitCode);
        var again = JsonDocument.Parse(second.Output).RootElement;
        Assert.Equal((0, 2), (again.GetProperty("imported").GetInt32(), again.GetProperty("alreadyPresent").GetInt32()));
        Assert.Equal(3, Directory.GetFiles(_folder.Outbox, "*.eml").Length);
        var picked = Assert.Single(server.Messages, m => m.Parse().Subject == "Picked");
        Assert.Equal(["ann@example.com", "hidden@example.com"], picked.To);
        Assert.DoesNotContain("X-Receiver", System.Text.Encoding.ASCII.GetString(picked.Data), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, server.Messages.Count);
    }

    [Fact]
    public async Task ABadStore_IsAUsageErrorNamingTheOption()
    {
        var missing = await Run("outbox", "stats");
        var malformed = await Run("outbox", "stats", "--outbox", "outbox.db");
        var unknown = await Run("outbox", "stats", "--outbox", "mysql:server=x");

        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.Contains("--outbox", missing.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, malformed.ExitCode);
        Assert.Contains("--outbox", malformed.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, unknown.ExitCode);
        Assert.Contains("scheme 'mysql' is unknown", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForeignSqliteFile_IsRefused_UnlessInitAddsTheTables()
    {
        var path = Path.Combine(_folder.Path, "app.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY)";
            command.ExecuteNonQuery();
        }

        var refused = await Run("outbox", "stats", "--outbox", "sqlite:" + path);
        var init = await Run("outbox", "init", "--outbox", "sqlite:" + path);
        var after = await Run("outbox", "stats", "--outbox", "sqlite:" + path, "--json");

        Assert.Equal(ExitCodes.UsageError, refused.ExitCode);
        Assert.Contains("database of something else (tables: orders)", refused.Error, StringComparison.Ordinal);
        Assert.Contains("mailsender outbox init", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("MailSender:Outbox", refused.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, init.ExitCode);
        Assert.Contains("\"queued\":0", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFromTheEnvironment_IsUsedWhenTheOptionIsAbsent()
    {
        var environment = new Dictionary<string, string> { ["MAILSENDER_OUTBOX"] = Store };

        var stats = await CliRun.RunAsync(["outbox", "stats", "--json"], environment);

        Assert.True(stats.ExitCode == ExitCodes.Success, stats.ToString());
    }

    [Fact]
    public async Task APostgresPassword_NeverAppearsInErrors()
    {
        var run = await Run("outbox", "stats", "--outbox", $"postgres:Host=127.0.0.1;Port={LoopbackPorts.Closed()};Username=app;Password=Sup3rSecret;Timeout=2");

        Assert.Equal(ExitCodes.SendFailed, run.ExitCode);
        Assert.Contains("StorageFailed", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rSecret", run.ToString(), StringComparison.Ordinal);
    }

    private static Task<CliRun> Run(params string[] args) => CliRun.RunAsync(args);

    private static MimeMessage Dsn(string messageId, string recipient) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(TestMessages.HardBounce(messageId, recipient, originalFrom: "me@example.com"))));
}
