using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Attempts;

/// <summary>
/// Issue 14: a send that retries says so as it happens (one line per failed attempt on standard error, JSON events with
/// --json), --retries and --timeout bound it, and the defaults report a server that never greets early.
/// </summary>
public sealed class AttemptReporterTests
{
    [Fact]
    public async Task Send_NothingListening_ReportsEachFailedAttemptOnStandardError()
    {
        var run = await CliRun.RunAsync(Send(Smtp(LoopbackPorts.Closed()), "--retries", "1"));

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.Equal(3, run.ErrorLines.Length); // the attempt line, the error, its hint
        Assert.Matches(@"^mailsender: attempt 2 of 2 in [0-9.]+ m?s: ConnectionFailed: 127\.0\.0\.1:[0-9]+ refused the connection\.$", run.ErrorLines[0]);
        Assert.StartsWith("mailsender: ConnectionFailed: ", run.ErrorLines[1], StringComparison.Ordinal);
        Assert.Contains("(gave up after 2 attempts)", run.ErrorLines[1], StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Send_NothingListeningWithJson_WritesRetryingEventsOnStandardErrorAndOneDocumentOnStandardOutput()
    {
        var run = await CliRun.RunAsync(Send(Smtp(LoopbackPorts.Closed()), "--retries", "1", "--json"));

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        using var retrying = JsonDocument.Parse(run.ErrorLines[0]);
        var e = retrying.RootElement;
        Assert.Equal("retrying", e.GetProperty("event").GetString());
        Assert.Equal(2, e.GetProperty("attempt").GetInt32());
        Assert.Equal(2, e.GetProperty("attempts").GetInt32());
        Assert.True(TimeSpan.TryParse(e.GetProperty("delay").GetString(), CultureInfo.InvariantCulture, out var delay) && delay > TimeSpan.Zero, e.ToString());
        Assert.Equal("ConnectionFailed", e.GetProperty("kind").GetString());
        Assert.Contains("refused the connection", e.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Standard output keeps exactly one document: the final error.
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal("ConnectionFailed", document.RootElement.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Send_RetriesZero_MakesOneAttempt()
    {
        await using var server = new SilentServer();

        var run = await CliRun.RunAsync(Send(Smtp(server.Port) + "&connectTimeout=1s", "--retries", "0"));

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.Equal(1, server.Connections);
        Assert.DoesNotContain("attempt", run.Error, StringComparison.Ordinal);
        Assert.StartsWith("mailsender: Timeout: ", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ServerNeverGreets_DefaultsReportTheFirstFailureEarly()
    {
        // Regression test for issue 14: with the library's defaults this was 128.6 s of silence.
        await using var server = new SilentServer();
        using var error = new LineRecorder();
        var clock = Stopwatch.StartNew();

        var run = await CliRun.RunAsync(Send(Smtp(server.Port), "--timeout", "13s"), error);

        clock.Stop();
        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        var (at, line) = error.Lines[0];
        Assert.StartsWith("mailsender: attempt 2 of 3 in ", line, StringComparison.Ordinal);
        Assert.Contains("Timeout: 127.0.0.1:", line, StringComparison.Ordinal);

        // The CLI's connect timeout is 10 s: the first attempt is reported then, not at the end.
        Assert.InRange(at, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12.5));
        Assert.True(clock.Elapsed - at > TimeSpan.FromSeconds(0.3), $"the attempt line came at {at}, the command ended at {clock.Elapsed}");
        Assert.StartsWith("mailsender: Timeout: ", error.Lines[^2].Line, StringComparison.Ordinal);
        Assert.Contains("--timeout", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("MailSender:Resilience", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Timeout2s_EndsTheCommandSoonAfter()
    {
        await using var server = new SilentServer();
        var clock = Stopwatch.StartNew();

        var run = await CliRun.RunAsync(Send(Smtp(server.Port), "--timeout", "2s", "--json"));

        clock.Stop();
        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        using var document = JsonDocument.Parse(run.Output);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("Timeout", error.GetProperty("kind").GetString());
        Assert.Contains("--timeout", error.GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ConnectTimeoutInTransportUri_WinsOverTheCliDefault()
    {
        await using var server = new SilentServer();
        var clock = Stopwatch.StartNew();

        var run = await CliRun.RunAsync(Send(Smtp(server.Port) + "&connectTimeout=500ms", "--retries", "0", "--timeout", "30s"));

        clock.Stop();
        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.StartsWith("mailsender: Timeout: 127.0.0.1:", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}: the URI's connectTimeout=500ms was not used");
    }

    [Fact]
    public async Task Send_PasswordInTransport_NeverAppearsInAttemptLinesOrEvents()
    {
        const string password = "Attempt-S3cret!";
        var transport = $"smtp://user:{password}@127.0.0.1:{LoopbackPorts.Closed().ToString(CultureInfo.InvariantCulture)}";

        var human = await CliRun.RunAsync(Send(transport, "--retries", "1"));
        var json = await CliRun.RunAsync(Send(transport, "--retries", "1", "--json"));

        Assert.Contains(human.ErrorLines, l => l.StartsWith("mailsender: attempt 2 of 2", StringComparison.Ordinal));
        Assert.Contains(json.ErrorLines, l => l.StartsWith("{\"event\":\"retrying\"", StringComparison.Ordinal));
        Assert.DoesNotContain(password, human.Output + human.Error + json.Output + json.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--timeout", "soon")]
    [InlineData("--timeout", "0")]
    [InlineData("--timeout", "-5s")]
    [InlineData("--retries", "-1")]
    [InlineData("--retries", "many")]
    [InlineData("--retries", "11")]
    public async Task Send_BadTimeoutOrRetries_IsAUsageErrorNamingTheOption(string option, string value)
    {
        var run = await CliRun.RunAsync(Send("pickup:unused", option, value));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith($"mailsender: Usage: {option} '{value}'", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s")]
    [InlineData("2m")]
    [InlineData("00:01:00")]
    [InlineData("90")]
    public async Task Send_TimeoutInTheLibraryGrammar_IsAccepted(string value)
    {
        using var folder = new TempDirectory();

        var run = await CliRun.RunAsync(Send("pickup:" + folder.Path, "--timeout", value, "--retries", "0"));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
    }

    [Fact]
    public async Task Verify_ServerNeverGreets_Timeout2sEndsTheCommand()
    {
        await using var server = new SilentServer();
        var clock = Stopwatch.StartNew();

        var run = await CliRun.RunAsync(["verify", "--transport", Smtp(server.Port), "--timeout", "2s"]);

        clock.Stop();
        Assert.Equal(ExitCodes.SendFailed, run.ExitCode);
        Assert.StartsWith("mailsender: Timeout: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    private static string[] Send(string transport, params string[] more) =>
        ["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--transport", transport, .. more];

    private static string Smtp(int port) => string.Create(CultureInfo.InvariantCulture, $"smtp://127.0.0.1:{port}?security=none");
}
