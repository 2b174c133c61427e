using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MimeKit;

namespace MailSender.Cli.Tests.Send;

public sealed class SendCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Send_PickupTransport_WritesOneEmlWithSubjectRecipientAndBody()
    {
        var run = await RunAsync("send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "Hello", "--text", "It works");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var file = Assert.Single(_temp.WrittenFiles());
        Assert.EndsWith(".eml", file, StringComparison.Ordinal);
        var message = PickupFile.Load(file).Message;
        Assert.Equal("Hello", message.Subject);
        Assert.Equal("you@example.com", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("me@example.com", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("It works", message.TextBody?.Trim());
        Assert.Contains("Wrote " + file, run.Output, StringComparison.Ordinal);
        Assert.Contains("Message-Id: " + message.MessageId, run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Send_Json_PrintsSendResultWithCamelCaseFields()
    {
        var run = await RunAsync("send", "--to", "a@example.com", "--to", "b@example.com", "--from", "me@example.com", "--subject", "Hi", "--text", "x", "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        var file = Assert.Single(_temp.WrittenFiles());
        Assert.Equal(PickupFile.Load(file).Message.MessageId, root.GetProperty("messageId").GetString());
        Assert.Equal(["a@example.com", "b@example.com"], root.GetProperty("acceptedRecipients").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, root.GetProperty("rejectedRecipients").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("serverResponse").ValueKind);
        Assert.StartsWith("pickup:", root.GetProperty("transport").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, root.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("elapsedMs").ValueKind);
        Assert.Equal(file, root.GetProperty("filePath").GetString());
    }

    [Fact]
    public async Task Send_Bcc_InEnvelopeButNotInHeaders()
    {
        var run = await RunAsync("send", "--to", "you@example.com", "--cc", "cc@example.com", "--bcc", "hidden@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var file = PickupFile.Load(Assert.Single(_temp.WrittenFiles()));
        Assert.Equal(["you@example.com", "cc@example.com", "hidden@example.com"], file.Receivers);
        Assert.Equal("me@example.com", file.Sender);
        Assert.Empty(file.Message.Bcc);
        Assert.DoesNotContain("hidden@example.com", file.Headers, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("cc@example.com", Assert.Single(file.Message.Cc.Mailboxes).Address);
    }

    [Fact]
    public async Task Send_Attachment_BytesRoundTrip()
    {
        var content = new byte[5000];
        new Random(42).NextBytes(content);
        var path = _temp.CreateFile("report.pdf", content);

        var run = await RunAsync("send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "Report", "--text", "see attached", "--attach", path);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = PickupFile.Load(Assert.Single(_temp.WrittenFiles())).Message;
        var attachment = Assert.IsType<MimePart>(Assert.Single(message.Attachments));
        Assert.Equal("report.pdf", attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        using var decoded = new MemoryStream();
        Assert.NotNull(attachment.Content);
        attachment.Content.DecodeTo(decoded);
        Assert.Equal(content, decoded.ToArray());
        Assert.Equal("see attached", message.TextBody?.Trim());
    }

    [Fact]
    public async Task Send_TextFileAndHtmlFile_SendsBothAlternatives()
    {
        var text = _temp.CreateFile("body.txt", "Grüße aus der Datei"u8.ToArray());
        var html = _temp.CreateFile("body.html", "<p>Hello <b>HTML</b></p>"u8.ToArray());

        var run = await RunAsync("send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text-file", text, "--html-file", html);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var message = PickupFile.Load(Assert.Single(_temp.WrittenFiles())).Message;
        Assert.Equal("Grüße aus der Datei", message.TextBody?.Trim());
        Assert.Equal("<p>Hello <b>HTML</b></p>", message.HtmlBody?.Trim());
    }

    [Fact]
    public async Task Send_NoFrom_UsesMailSenderFromVariable()
    {
        var run = await RunAsync(
            ["send", "--to", "you@example.com", "--subject", "S", "--text", "x"],
            new Dictionary<string, string> { ["MAILSENDER_FROM"] = "Robot <robot@example.com>" });

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var from = Assert.Single(PickupFile.Load(Assert.Single(_temp.WrittenFiles())).Message.From.Mailboxes);
        Assert.Equal("robot@example.com", from.Address);
        Assert.Equal("Robot", from.Name);
    }

    [Fact]
    public async Task Send_NoFromAndNoVariable_UsesUserAtMachine()
    {
        var run = await RunAsync("send", "--to", "you@example.com", "--subject", "S", "--text", "x");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var from = Assert.Single(PickupFile.Load(Assert.Single(_temp.WrittenFiles())).Message.From.Mailboxes);
        Assert.Equal(CliDefaults.LocalAddress(), from.Address);
    }

    [Fact]
    public async Task Send_TransportVariable_UsedWhenNoTransportOption()
    {
        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--subject", "S", "--text", "x"],
            new Dictionary<string, string> { ["MAILSENDER_TRANSPORT"] = _temp.PickupTransport });

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Single(_temp.WrittenFiles());
    }

    [Fact]
    public async Task Send_MissingTo_ExitsTwoWithOneLineReason()
    {
        var run = await RunAsync("send", "--subject", "S", "--text", "x");

        AssertUsageError(run, "--to");
    }

    [Fact]
    public async Task Send_BadAddress_ExitsTwoAndNamesAddress()
    {
        var run = await RunAsync("send", "--to", "not-an-address", "--subject", "S", "--text", "x");

        AssertUsageError(run, "not-an-address");
        Assert.StartsWith("mailsender: Usage: --to 'not-an-address'", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_BadFrom_ExitsTwoAndNamesAddress()
    {
        var run = await RunAsync("send", "--to", "you@example.com", "--from", "me@", "--subject", "S", "--text", "x");

        AssertUsageError(run, "--from 'me@'");
    }

    [Fact]
    public async Task Send_MissingAttachment_ExitsTwoAndNamesFile()
    {
        var missing = Path.Combine(_temp.Path, "missing.pdf");

        var run = await RunAsync("send", "--to", "you@example.com", "--subject", "S", "--text", "x", "--attach", missing);

        AssertUsageError(run, missing);
    }

    [Fact]
    public async Task Send_MissingTextFile_ExitsTwoAndNamesFile()
    {
        var missing = Path.Combine(_temp.Path, "body.txt");

        var run = await RunAsync("send", "--to", "you@example.com", "--subject", "S", "--text-file", missing);

        AssertUsageError(run, missing);
    }

    [Fact]
    public async Task Send_TextWithTextFile_ExitsTwo()
    {
        var file = _temp.CreateFile("body.txt", "x"u8.ToArray());

        var run = await RunAsync("send", "--to", "you@example.com", "--subject", "S", "--text", "x", "--text-file", file);

        AssertUsageError(run, "--text-file");
    }

    [Fact]
    public async Task Send_BadTransportUri_ExitsTwo()
    {
        var run = await CliRun.RunAsync(["send", "--to", "you@example.com", "--subject", "S", "--text", "x", "--transport", "no scheme here"]);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.StartsWith("mailsender: Configuration: Invalid transport URI", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Send_UnknownTransportOption_ExitsTwoFromOptionsValidation()
    {
        var run = await CliRun.RunAsync(["send", "--to", "you@example.com", "--subject", "S", "--text", "x", "--transport", _temp.PickupTransport + "?colour=blue"]);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.StartsWith("mailsender: Configuration: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("colour", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Empty(_temp.WrittenFiles());
    }

    [Fact]
    public async Task Send_UsageErrorWithJson_PrintsErrorDocument()
    {
        var run = await RunAsync("send", "--to", "bad", "--subject", "S", "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("Usage", error.GetProperty("kind").GetString());
        Assert.Contains("'bad'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("statusCode").ValueKind);
        Assert.False(error.GetProperty("isTransient").GetBoolean());
        Assert.False(error.GetProperty("mayHaveBeenAccepted").GetBoolean());
        Assert.True(error.TryGetProperty("hint", out _));
        Assert.True(error.TryGetProperty("enhancedStatusCode", out _));
    }

    [Fact]
    public async Task Send_SubjectWithLineBreak_DoesNotInjectHeader()
    {
        var run = await RunAsync("send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "Hi\r\nBcc: evil@example.com", "--text", "x");

        // MimeKit unfolds the subject; either way no Bcc header and no extra recipient may appear.
        if (run.ExitCode == ExitCodes.Success)
        {
            var file = PickupFile.Load(Assert.Single(_temp.WrittenFiles()));
            Assert.Equal(["you@example.com"], file.Receivers);
            Assert.DoesNotContain("\r\nBcc:", file.Headers, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            AssertUsageError(run, "line break");
        }
    }

    [Fact]
    public async Task Send_Cancelled_Exits130AndWritesNothing()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--subject", "S", "--text", "x", "--transport", _temp.PickupTransport],
            cancellationToken: cancellation.Token);

        Assert.True(run.ExitCode == ExitCodes.Cancelled, run.ToString());
        Assert.StartsWith("mailsender: Cancelled: ", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(_temp.WrittenFiles());
    }

    [Fact]
    public async Task Send_FailoverTransport_FirstRefusesTheConnection_WritesThroughTheSecond()
    {
        var run = await CliRun.RunAsync(["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--transport", $"failover(smtp://127.0.0.1:1?security=none {_temp.PickupTransport})"]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Single(_temp.WrittenFiles());
    }

    private Task<CliRun> RunAsync(params string[] args) => RunAsync(args, null);

    private Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment) =>
        CliRun.RunAsync([.. args, "--transport", _temp.PickupTransport], environment);

    private void AssertUsageError(CliRun run, string expectedInMessage)
    {
        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        var lines = run.ErrorLines;
        Assert.InRange(lines.Length, 1, 2);
        Assert.StartsWith("mailsender: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, lines[0], StringComparison.Ordinal);
        if (lines.Length == 2)
        {
            Assert.StartsWith("hint: ", lines[1], StringComparison.Ordinal);
        }

        Assert.Empty(_temp.WrittenFiles());
        Assert.False(Directory.Exists(_temp.Outbox), "Nothing may be written, not even the folder.");
    }
}
