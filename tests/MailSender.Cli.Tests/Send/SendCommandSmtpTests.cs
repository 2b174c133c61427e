using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Send;

public sealed class SendCommandSmtpTests
{
    private const string Password = "S3cretPw";

    /// <summary>A server that refuses nobody@example.com at RCPT with 550 5.1.1 and accepts everyone else.</summary>
    private static readonly InProcessSmtpServerOptions RejectingNobody = new() { RejectedRecipients = ["nobody@example.com"] };

    [Fact]
    public async Task Send_SmtpServer_DeliversAndExitsZero()
    {
        await using var server = await InProcessSmtpServer.StartAsync();

        var run = await CliRun.RunAsync(
        [
            "send", "--to", "you@example.com", "--bcc", "hidden@example.com", "--from", "me@example.com",
            "--subject", "Over SMTP", "--text", "Hello server", "--transport", Smtp(server.Port),
        ]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var received = Assert.Single(server.Messages);
        var message = received.Parse();
        Assert.Equal("me@example.com", received.From);
        Assert.Equal(["you@example.com", "hidden@example.com"], received.To);
        Assert.Equal("Over SMTP", message.Subject);
        Assert.Equal("Hello server", message.TextBody?.Trim());
        Assert.Empty(message.Bcc);
        var expected = string.Create(CultureInfo.InvariantCulture, $"Sent {message.MessageId} via smtp://127.0.0.1:{server.Port}?security=none");
        Assert.StartsWith(expected, run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Send_ServerRejectsOneRecipient_ExitsThreeAndListsIt()
    {
        await using var server = await InProcessSmtpServer.StartAsync(RejectingNobody);

        var run = await CliRun.RunAsync(
        [
            "send", "--to", "you@example.com", "--to", "nobody@example.com", "--from", "me@example.com",
            "--subject", "S", "--text", "x", "--transport", Smtp(server.Port), "--json",
        ]);

        Assert.True(run.ExitCode == ExitCodes.RecipientsRejected, run.ToString());
        Assert.Equal(["you@example.com"], Assert.Single(server.Messages).To);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(["you@example.com"], json.RootElement.GetProperty("acceptedRecipients").EnumerateArray().Select(e => e.GetString()));
        var rejected = Assert.Single(json.RootElement.GetProperty("rejectedRecipients").EnumerateArray().ToArray());
        Assert.Equal("nobody@example.com", rejected.GetProperty("address").GetString());
        Assert.Equal(550, rejected.GetProperty("statusCode").GetInt32());
        Assert.Equal("5.1.1", rejected.GetProperty("enhancedStatusCode").GetString());
        Assert.Contains("no such user", rejected.GetProperty("serverText").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ServerRejectsOneRecipient_HumanOutputListsRejection()
    {
        await using var server = await InProcessSmtpServer.StartAsync(RejectingNobody);

        var run = await CliRun.RunAsync(
        [
            "send", "--to", "you@example.com", "--cc", "nobody@example.com", "--from", "me@example.com",
            "--subject", "S", "--text", "x", "--transport", Smtp(server.Port),
        ]);

        Assert.True(run.ExitCode == ExitCodes.RecipientsRejected, run.ToString());
        var lines = run.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("Sent ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("Rejected nobody@example.com: 550 5.1.1 ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ServerRejectsEveryRecipient_ExitsOneWithErrorDocument()
    {
        await using var server = await InProcessSmtpServer.StartAsync(RejectingNobody);

        var run = await CliRun.RunAsync(
        [
            "send", "--to", "nobody@example.com", "--from", "me@example.com",
            "--subject", "S", "--text", "x", "--transport", Smtp(server.Port), "--json",
        ]);

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.Empty(server.Messages);
        Assert.StartsWith("mailsender: RecipientsRejected: ", run.ErrorLines[0], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("RecipientsRejected", error.GetProperty("kind").GetString());
        Assert.Equal(550, error.GetProperty("statusCode").GetInt32());
        Assert.False(error.GetProperty("isTransient").GetBoolean());
    }

    [Fact]
    public async Task Send_ConnectionRefusedWithPasswordInUri_ExitsOneAndNeverPrintsPassword()
    {
        var port = LoopbackPorts.Closed();

        var run = await CliRun.RunAsync(
        [
            "send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x",
            "--transport", string.Create(CultureInfo.InvariantCulture, $"smtp://user:{Password}@127.0.0.1:{port}"), "--json",
        ]);

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.StartsWith("mailsender: warning: the password in --transport", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.All(run.ErrorLines[1..^2], l => Assert.StartsWith("{\"event\":\"retrying\"", l, StringComparison.Ordinal));
        Assert.StartsWith("mailsender: ConnectionFailed: ", run.ErrorLines[^2], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("ConnectionFailed", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.DoesNotContain(Password, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://user:S3cretPw@bad host:25")]
    [InlineData("smtp://user:S3cretPw@127.0.0.1:25?colour=blue")]
    [InlineData("smtp://user:S3cretPw@127.0.0.1:99999")]
    [InlineData("smtps://user:S3cretPw@127.0.0.1:25?security=none")]
    [InlineData("smtp://user:1234?pw=S3cretPw@127.0.0.1:25")] // An unencoded '?' splits the password into URI options, which the library's error quotes.
    public async Task Send_InvalidTransportWithPassword_ExitsTwoAndNeverPrintsPassword(string transport)
    {
        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--transport", transport, "--json"]);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.StartsWith("mailsender: warning: the password in --transport", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.StartsWith("mailsender: Configuration: ", run.ErrorLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ParseErrorAfterTransportWithPassword_NeverPrintsPassword()
    {
        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--subject", "S", "--transport", "smtp://user:S3cretPw@127.0.0.1:25", "S3cretPw", "--json"]);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.StartsWith("mailsender: Usage: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Error, StringComparison.Ordinal);
    }

    private static string Smtp(int port) => string.Create(CultureInfo.InvariantCulture, $"smtp://127.0.0.1:{port}?security=none");
}
