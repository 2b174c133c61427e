using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Outbox;

/// <summary><c>mailsender worker</c>: stopping on signals, its summary and warnings, and what it refuses to start with.</summary>
public sealed class WorkerCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _folder = new();

    private string Store => "sqlite:" + Path.Combine(_folder.Path, "outbox.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Fact]
    public async Task Worker_FirstSignal_StopsTakingMessages_ButLetsTheSendInFlightFinish()
    {
        var gate = new ScriptedReplyGate(e => e.Verb == "RCPT");
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = gate.Intercept });
        await Enqueue("first@example.com");
        using var worker = SignalledRun.Start("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--concurrency", "1");
        await gate.WaitForArrivalsAsync(1, Timeout);

        Assert.True(worker.Signal());
        await Enqueue("second@example.com");
        await Task.Delay(300);
        Assert.False(worker.Task.IsCompleted, "a graceful stop waits for the send in flight");
        gate.Open();
        var run = await worker.WaitAsync(Timeout);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("sent 1, deferred 0, failed 0, uncertain 0", run.Output.Trim());
        Assert.Single(server.Transactions);
        Assert.Equal("{\"queued\":1,\"sending\":0,\"deferred\":0,\"sent\":1,\"failed\":0,\"uncertain\":0,\"cancelled\":0,\"bounced\":0}", (await Run("outbox", "stats", "--outbox", Store, "--json")).Output.Trim());
    }

    [Fact]
    public async Task Worker_SecondSignal_CancelsTheSendBeforeItsEnd_AndGivesTheMessageBack()
    {
        var gate = new ScriptedReplyGate(e => e.Verb == "RCPT");
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = gate.Intercept });
        var id = await Enqueue("held@example.com");
        using var worker = SignalledRun.Start("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--json");
        await gate.WaitForArrivalsAsync(1, Timeout);

        Assert.True(worker.Signal());
        Assert.True(worker.Signal());
        var run = await worker.WaitAsync(Timeout);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var summary = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal((0, 1), (summary.GetProperty("sent").GetInt64(), summary.GetProperty("released").GetInt32()));
        var message = JsonDocument.Parse((await Run("outbox", "show", id, "--outbox", Store, "--json")).Output).RootElement;
        Assert.Equal("queued", message.GetProperty("state").GetString());
        Assert.Empty(server.Transactions);
        Assert.False(worker.Signal(), "a third signal is left to end the process");
    }

    [Fact]
    public async Task Worker_MessageRefused_IsRecordedAsFailed_WarnsOnStandardError_AndStillExitsZero()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new InProcessSmtpServerOptions { RejectedRecipients = ["gone@example.com"] });
        var id = await Enqueue("gone@example.com");

        var run = await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("sent 0, deferred 0, failed 1, uncertain 0", run.Output.Trim());
        var warning = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"mailsender: warning: Outbox {id}: failed after attempt 1: ", warning, StringComparison.Ordinal);
        Assert.Contains("550", warning, StringComparison.Ordinal);

        // Progress is for terminals: redirected, standard error holds whole lines only.
        Assert.DoesNotContain('\r', run.Error.Replace(Environment.NewLine, "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Worker_ExitWhenEmpty_OnAnEmptyOutbox_PrintsAZeroSummary()
    {
        await using var server = await InProcessSmtpServer.StartAsync();

        var run = await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal("sent 0, deferred 0, failed 0, uncertain 0", run.Output.Trim());
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Worker_DeferredMessageDueLater_DoesNotKeepExitWhenEmptyRunning()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { RecipientReply = "451 4.7.1 Greylisted, come back later" });
        await Enqueue("ann@example.com");

        var run = await Run("worker", "--outbox", Store, "--transport", Smtp(server.Port), "--exit-when-empty", "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(1, JsonDocument.Parse(run.Output).RootElement.GetProperty("deferred").GetInt64());
        Assert.Contains("\"deferred\":1", (await Run("outbox", "stats", "--outbox", Store, "--json")).Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--concurrency", "0", "--concurrency")]
    [InlineData("--concurrency", "1001", "--concurrency")]
    [InlineData("--lease", "1s", "--lease")]
    [InlineData("--lease", "soon", "--lease")]
    [InlineData("--rate", "0", "--rate")]
    public async Task Worker_BadSetting_IsAUsageErrorNamingTheOption(string option, string value, string named)
    {
        var run = await Run("worker", "--outbox", Store, "--transport", "smtp://127.0.0.1:25?security=none", option, value);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Usage: " + named, run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_BadTransport_IsAUsageError_BeforeAnyMessageIsTaken()
    {
        await Enqueue("ann@example.com");

        var run = await Run("worker", "--outbox", Store, "--transport", "smtp://", "--exit-when-empty");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("\"queued\":1", (await Run("outbox", "stats", "--outbox", Store, "--json")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_ForeignSqliteFile_IsRefusedWithAClearError()
    {
        var path = Path.Combine(_folder.Path, "notes.txt");
        File.WriteAllText(path, "not a database, just some notes that happen to be long enough to look like a file\n");

        var run = await Run("worker", "--outbox", "sqlite:" + path, "--transport", "smtp://127.0.0.1:25?security=none", "--exit-when-empty", "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Configuration: The outbox sqlite:", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("not an SQLite database", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("--outbox", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("MailSender:Outbox", run.Error, StringComparison.Ordinal);
        Assert.Equal("Configuration", JsonDocument.Parse(run.Output).RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal("not a database, just some notes that happen to be long enough to look like a file\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Worker_NoStore_NamesTheOption()
    {
        var run = await Run("worker", "--transport", "smtp://127.0.0.1:25?security=none");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal("mailsender: Usage: No outbox given: pass --outbox STORE.", run.ErrorLines[0]);
    }

    private static string Smtp(int port) => $"smtp://127.0.0.1:{port}?security=none";

    private static Task<CliRun> Run(params string[] args) => CliRun.RunAsync(args);

    private async Task<string> Enqueue(string to)
    {
        var run = await Run("send", "--to", to, "--from", "me@example.com", "--subject", "To " + to, "--text", "x", "--outbox", Store, "--json");
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        return JsonDocument.Parse(run.Output).RootElement.GetProperty("id").GetString()!;
    }
}
