using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Verify;

/// <summary><c>mailsender verify</c>: a working transport exits 0 and sends nothing; a broken one exits 1 with a hint.</summary>
[Collection(nameof(Send.CurrentDirectoryCollection))]
public class VerifyCommandTests
{
    [Fact]
    public async Task Verify_WorkingSmtpServer_ExitsZeroAndSendsNothing()
    {
        await using var server = await InProcessSmtpServer.StartAsync();

        var run = await CliRun.RunAsync(["verify", "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Output);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean());
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Verify_NothingListening_ExitsOneWithHint()
    {
        var port = LoopbackPorts.Closed();

        var run = await CliRun.RunAsync(["verify", "--transport", $"smtp://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}?security=none&connectTimeout=5s"]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("mailsender: ConnectionFailed:", run.Error, StringComparison.Ordinal);
        Assert.Contains("hint: Nothing is listening", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PasswordFromEnvironment_IsUsedAndNeverPrinted()
    {
        const string password = "Env-S3cret-Pa55!";
        await using var server = await InProcessSmtpServer.StartAsync();

        // The in-process server offers no TLS: the credentials are refused before AUTH, and the password stays out of the output.
        var run = await CliRun.RunAsync(["verify", "--transport", $"smtp://me@127.0.0.1:{server.Port}?security=none"], new Dictionary<string, string> { ["MAILSENDER_PASSWORD"] = password });

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("mailsender: TlsFailed:", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(password, run.Error + run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NoTransport_ChecksTheDefaultOfSendThePickupFolder()
    {
        // Issue 14: verify without --transport checks what send would use (./outbox must be writable), and says so.
        using var temp = new TempDirectory();
        var previous = Environment.CurrentDirectory;
        CliRun run;
        CliRun json;
        try
        {
            Environment.CurrentDirectory = temp.Path;
            run = await CliRun.RunAsync(["verify"]);
            json = await CliRun.RunAsync(["verify", "--json"]);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("OK: pickup:outbox (the default transport, as for send) works", run.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(temp.Outbox));
        Assert.Empty(temp.WrittenFiles());
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal("default", document.RootElement.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Verify_DefaultFolderNotWritable_SaysWhichOptionToSet()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(Path.Combine(temp.Path, "outbox"), "a file where the folder should be");
        var previous = Environment.CurrentDirectory;
        CliRun run;
        try
        {
            Environment.CurrentDirectory = temp.Path;
            run = await CliRun.RunAsync(["verify"]);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--transport", run.Error, StringComparison.Ordinal);
    }
}
